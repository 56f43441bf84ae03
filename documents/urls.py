from django.urls import path

from documents import views

app_name = "documents"
urlpatterns = [
    path("famille/documents/", views.family_documents, name="family"),
    path("eleves/<int:student_id>/documents/", views.student_documents, name="student"),
    path("documents/<int:document_id>/", views.consult, name="consult"),
    path("documents/formulaires/<int:type_id>/", views.blank_form, name="blank_form"),
    path("documents/<int:document_id>/apercu/", views.preview, name="preview"),
    path("documents/formulaires/<int:type_id>/secretariat/", views.staff_blank_form, name="staff_blank_form"),
]
