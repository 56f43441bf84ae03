"""Reads about a household as its guardians see it: the Famille page and the RGPD data export."""

from __future__ import annotations

from extranet.base.prepared import PreparedQuery
from families.models import Family, Guardian, Membership

_OTHER_GUARDIANS = PreparedQuery(
    lambda family_id, guardian_id: (
        Membership.objects.filter(family_id=family_id)
        .exclude(guardian_id=guardian_id)
        .select_related("guardian__civility")
        .order_by("guardian__last_name", "guardian__first_name")
    )
)


def other_guardians(family: Family, guardian: Guardian) -> list[Membership]:
    """The family's other guardians (read-only on the Famille page)."""
    return _OTHER_GUARDIANS.list(family_id=family.pk, guardian_id=guardian.pk)


def family_emails(family) -> list[str]:
    """The email addresses of a family's guardians (a family or its id), each once, oldest guardian first."""
    return list(
        Guardian.objects.filter(memberships__family=family)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
        .distinct()
    )
