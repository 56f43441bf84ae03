from django.urls import path

from reenrolment import views

app_name = "reenrolment"
urlpatterns = [
    path("<int:student_id>/reinscription/", views.student_reenrolment, name="student"),
    path("reglement-interieur/", views.house_rules, name="house_rules"),
]
