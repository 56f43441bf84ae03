from django.urls import path

from billing import payment_views, views

app_name = "billing"
urlpatterns = [
    path("", views.invoice_list, name="invoices"),
    path("<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("<int:pk>/acquittee/", views.receipted_invoice_pdf, name="receipted_pdf"),
    path("attestation/<int:year>/", views.payment_certificate_pdf, name="certificate_pdf"),
]

# Paying (issue 11): the SEPA mandate and card payment online.
urlpatterns += [
    path("prelevement/", payment_views.mandate, name="mandate"),
    path("prelevement/<int:pk>/mandat.pdf", payment_views.mandate_pdf, name="mandate_pdf"),
    path("prelevement/<int:pk>/revoquer/", payment_views.mandate_revoke, name="mandate_revoke"),
    path("payer-en-ligne/", payment_views.pay_online, name="pay_online"),
    path("payer-en-ligne/<int:pk>/", payment_views.online_transaction, name="online_transaction"),
    path("paiement/<slug:site_slug>/retour/", payment_views.online_return, name="online_return"),
    path("paiement/<slug:site_slug>/notification/", payment_views.online_notify, name="online_notify"),
]
