"""The demo's own PDFs: a site's règlement intérieur and the blank SEPA mandate form.

Rendered by WeasyPrint from templates (templates/demo/) and static/css/demo_pdf.css, read
here: the renderer fetches nothing (no network, no other file). Snapshot in, ``(filename, bytes)`` out.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.text import slugify
from weasyprint import CSS, HTML

from extranet.base.models import Site


def _no_fetch(url, *args, **kwargs):
    raise ValueError(f"the demo PDFs fetch nothing ({url})")


STYLESHEET = Path(settings.BASE_DIR) / "static" / "css" / "demo_pdf.css"


def _render(template: str, context: dict) -> bytes:
    html = HTML(string=render_to_string(template, context), url_fetcher=_no_fetch)
    return html.write_pdf(
        stylesheets=[CSS(string=STYLESHEET.read_text(encoding="utf-8"), url_fetcher=_no_fetch)]
    )


def house_rules_pdf(site: Site) -> tuple[str, bytes]:
    """The règlement intérieur of a demo site, in the version the site declares."""
    version = site.house_rules_version or "1"
    filename = f"reglement-interieur-{slugify(site.slug)}-{slugify(version)}.pdf"
    return filename, _render("demo/house_rules.html", {"site": site, "version": version})


def blank_mandate_pdf(site: Site) -> tuple[str, bytes]:
    """A blank SEPA direct-debit mandate with the site's creditor details, to print and sign."""
    filename = f"mandat-sepa-{slugify(site.slug)}.pdf"
    return filename, _render("demo/sepa_mandate.html", {"site": site})
