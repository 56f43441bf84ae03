from django.urls import path

from families import views

app_name = "family"
urlpatterns = [
    path("", views.detail, name="detail"),
    path("mes-donnees.json", views.data_export, name="data_export"),
]
