"""Reads about a household as its guardians see it: the Famille page and the RGPD data export."""

from __future__ import annotations

from families.models import Family, Guardian, Membership


def other_guardians(family: Family, guardian: Guardian) -> list[Membership]:
    """The family's other guardians (read-only on the Famille page)."""
    return list(
        Membership.objects.filter(family=family)
        .exclude(guardian=guardian)
        .select_related("guardian__civility")
        .order_by("guardian__last_name", "guardian__first_name")
    )


def family_emails(family) -> list[str]:
    """The email addresses of a family's guardians (a family or its id), each once, oldest guardian first."""
    return list(
        Guardian.objects.filter(memberships__family=family)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
        .distinct()
    )
