from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("", views.invoice_list, name="invoices"),
    path("<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("<int:pk>/acquittee/", views.receipted_invoice_pdf, name="receipted_pdf"),
    path("attestation/<int:year>/", views.payment_certificate_pdf, name="certificate_pdf"),
]
