from django.urls import path

from families import views

app_name = "family"
urlpatterns = [
    path("", views.detail, name="detail"),
]
