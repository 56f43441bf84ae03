"""The --site option of the ops commands: one help text, one way to read it, one error message."""

from __future__ import annotations

import unicodedata

from django.core.management.base import CommandError
from django.utils.translation import gettext

from extranet.base.models import Site


def add_site_argument(parser) -> None:
    parser.add_argument(
        "--site",
        required=True,
        help=gettext("Identifiant court (slug) ou nom du site, par exemple malakoff."),
    )


def _comparable(text: str) -> str:
    # Case does not matter, accents do ("Sèvre" is not "Sevre"); NFC so that an "è" typed as
    # e + combining grave accent still matches the stored one.
    return unicodedata.normalize("NFC", text.strip()).casefold()


def site_from_option(value: str) -> Site:
    """The site whose slug or name is ``value``, whatever the case; the slug wins over a name.

    Compared in Python rather than with ``iexact``: SQLite folds the case of ASCII letters only,
    so "SÈVRE" would find "Sèvre" on PostgreSQL and not on SQLite. A town has a handful of sites.
    """
    typed = _comparable(value)
    sites = list(Site.objects.order_by("slug"))
    for site in sites:
        if _comparable(site.slug) == typed:
            return site
    named = [site for site in sites if _comparable(site.name) == typed]
    if len(named) == 1:
        return named[0]
    if named:
        raise CommandError(
            gettext("Plusieurs sites s'appellent « %(value)s » : indiquez l'identifiant court (%(slugs)s).")
            % {"value": value, "slugs": ", ".join(site.slug for site in named)}
        )
    if not sites:
        raise CommandError(
            gettext("Site inconnu : « %(value)s ». Aucun site n'est encore enregistré.") % {"value": value}
        )
    raise CommandError(
        gettext("Site inconnu : « %(value)s ». Sites connus : %(slugs)s.")
        % {"value": value, "slugs": ", ".join(site.slug for site in sites)}
    )
