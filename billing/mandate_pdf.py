"""The pre-filled SEPA mandate as a PDF, to print, sign and hand in through Documents fournis.

A rendering unit: a frozen snapshot in, ``(filename, bytes)`` out. WeasyPrint gets no base URL
and a URL fetcher that refuses everything: the template carries its own CSS, nothing is fetched.
The mandate text is the EPC's standard wording for a SEPA Core mandate.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation

from billing.iban import mask_iban
from billing.models import Mandate


@dataclass(frozen=True)
class MandateSnapshot:
    reference: str
    creditor_name: str
    creditor_address: str
    creditor_identifier: str
    debtor_name: str
    debtor_address: str
    masked_iban: str
    bic: str
    recurrent: bool
    issued_on: datetime.date


def snapshot(mandate: Mandate) -> MandateSnapshot:
    family = mandate.family
    site = family.site
    details = getattr(mandate, "details", None)
    return MandateSnapshot(
        reference=mandate.reference,
        creditor_name=site.sepa_creditor_name or site.name,
        creditor_address="\n".join(
            part for part in (site.address, f"{site.postal_code} {site.city}".strip()) if part
        ),
        creditor_identifier=site.sepa_creditor_identifier,
        debtor_name=mandate.holder_name,
        debtor_address="\n".join(
            part for part in (family.address, f"{family.postal_code} {family.city}".strip()) if part
        ),
        # The family types its account on the portal; the form shows it masked like every page.
        masked_iban=mask_iban(mandate.iban),
        bic=mandate.bic,
        recurrent=details is None or details.kind == details.Kind.RECURRENT,
        issued_on=mandate.signed_on,
    )


def _refuse_fetch(url, *args, **kwargs):
    raise ValueError(f"the mandate PDF fetches nothing ({url})")


def render_mandate_pdf(snapshot: MandateSnapshot) -> tuple[str, bytes]:
    from weasyprint import HTML  # heavy: loaded only when a PDF is asked for

    with translation.override("fr"):
        html = render_to_string("billing/payments/mandate_pdf.html", {"mandate": snapshot})
    content = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    return f"mandat-sepa-{snapshot.reference}.pdf", content
