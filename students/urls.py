from django.urls import path

from students import views

app_name = "students"
urlpatterns = [
    path("", views.student_list, name="list"),
    path("<int:student_id>/", views.identity, name="identity"),
    path("<int:student_id>/cours/", views.courses, name="courses"),
    path("<int:student_id>/historique/", views.history, name="history"),
    path("<int:student_id>/repertoire/", views.repertoire, name="repertoire"),
]
