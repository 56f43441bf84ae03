from django.urls import path

from students import schoolyear_views, views

app_name = "students"
urlpatterns = [
    path("", views.student_list, name="list"),
    path("<int:student_id>/", views.identity, name="identity"),
    path("<int:student_id>/cours/", views.courses, name="courses"),
    path("<int:student_id>/historique/", views.history, name="history"),
    path("<int:student_id>/repertoire/", views.repertoire, name="repertoire"),
    path("planning/", schoolyear_views.family_planning, name="family_planning"),
    path("planning/calendrier/", schoolyear_views.calendar, name="calendar"),
    path("planning/calendrier/renouveler/", schoolyear_views.calendar_renew, name="calendar_renew"),
    path("planning/calendrier/<str:token>.ics", schoolyear_views.calendar_feed, name="calendar_feed"),
    path("<int:student_id>/planning/", schoolyear_views.planning, name="planning"),
    path("<int:student_id>/suivi/", schoolyear_views.suivi, name="suivi"),
    path("<int:student_id>/suivi/bulletin/<int:term_id>/", schoolyear_views.bulletin, name="bulletin"),
]
