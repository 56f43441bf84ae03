from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from extranet.shell import health, views

admin.site.site_header = _("Tutti – secrétariat")
admin.site.site_title = "Tutti"
admin.site.index_title = _("Administration du portail des familles")

urlpatterns = [
    path("", views.root, name="root"),
    path("connexion/", views.login, name="login"),
    path("quitter/", views.logout, name="logout"),
    path("accueil/", views.home, name="home"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("mot-de-passe/", views.password_change, name="password_change"),
    path("mot-de-passe-perdu/", views.password_reset, name="password_reset"),
    path("mot-de-passe-perdu/envoye/", views.password_reset_done, name="password_reset_done"),
    path(
        "mot-de-passe-perdu/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("mot-de-passe-perdu/termine/", views.password_reset_complete, name="password_reset_complete"),
    path("famille/mes-donnees.json", views.data_export, name="family_data_export"),
    path("famille/changer-de-foyer/", views.switch_household, name="switch_household"),
    path("famille/", include("families.urls")),
    path("eleves/", include("students.urls")),
    path("eleves/", include("reenrolment.urls")),
    path("", include("documents.urls")),
    path("facturation/", include("billing.urls")),
    path("enseignant/", include("students.teacher_urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
]
