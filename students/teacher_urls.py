from django.urls import path

from students import teacher_views as views

app_name = "teachers"
urlpatterns = [
    path("", views.today, name="today"),
    path("seance/<int:lesson_id>/appel/", views.roll, name="roll"),
    path("seance/<int:lesson_id>/annuler/", views.lesson_cancel, name="lesson_cancel"),
    path("seance/<int:lesson_id>/deplacer/", views.lesson_move, name="lesson_move"),
    path("evaluations/", views.evaluations, name="evaluations"),
    path("evaluations/<int:course_id>/<int:term_id>/", views.evaluate, name="evaluate"),
]
