from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BaseConfig(AppConfig):
    """The base layer: users, sites, seasons, reference data, emails, change history.

    Its label stays ``extranet`` so that its tables, migrations and permissions keep their names.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "extranet.base"
    label = "extranet"
    verbose_name = _("Portail")
