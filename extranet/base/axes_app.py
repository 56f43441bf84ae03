"""django-axes (login lockouts) under a French name in the admin: "Sécurité des connexions", not "AXES"."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    verbose_name = _("Sécurité des connexions")
