"""Amounts as a French reader writes them: ``euros(Decimal("1234.5"))`` -> "1 234,50 €".

One formatter for the screens (the ``|euros`` template filter), the emails and the PDFs, so an
amount reads the same wherever a family meets it. Thousands are separated by a plain space,
which every PDF font and mail client shows.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def _parts(amount) -> tuple[str, str, str]:
    value = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    whole, cents = f"{abs(value):.2f}".split(".")
    return ("-" if value < 0 else ""), f"{int(whole):,}", cents


def euros(amount) -> str:
    """French: "1 234,50 €", "-12,00 €"."""
    sign, grouped, cents = _parts(amount)
    return f"{sign}{grouped.replace(',', ' ')},{cents} €"


def euros_en(amount) -> str:
    """English: "€1,234.50"."""
    sign, grouped, cents = _parts(amount)
    return f"{sign}€{grouped}.{cents}"
