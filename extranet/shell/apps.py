from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShellConfig(AppConfig):
    """The shell: the portal's own pages, the Accueil to-do list, the demo and the ops commands
    that compose the feature apps. It has no models."""

    name = "extranet.shell"
    label = "shell"
    verbose_name = _("Portail des familles")

    def ready(self):
        # The cached identity of logged-in requests (extranet.base.identity): the shell knows
        # households, so it builds the entries and forgets them when a row they hold is written.
        from extranet.shell import identity

        identity.connect()
