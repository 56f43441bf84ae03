from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReenrolmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reenrolment"
    verbose_name = _("Réinscriptions")
