from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExtranetConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "extranet"
    verbose_name = _("Portail")
