"""Helpers for portal tests: a family with a logged-in guardian, seasons, the email outbox."""

from __future__ import annotations

from extranet.tests.factories import civility, current_season, next_season
from families.models import Family, Guardian
from families.tests.factories import FamilyFactory, guardian_of


def log_in(client, guardian: Guardian) -> None:
    client.force_login(guardian.user, backend="extranet.base.backends.SiteIdentifierBackend")


def seasons():
    """The current (2025/2026) and next (2026/2027) seasons."""
    return current_season(), next_season()


def family_with_guardian(**family_kwargs) -> tuple[Family, Guardian]:
    family = FamilyFactory(**family_kwargs)
    return family, guardian_of(family, civility=civility("mme"), is_payer=True)


def logged_in_family(client, **family_kwargs) -> tuple[Family, Guardian]:
    family, guardian = family_with_guardian(**family_kwargs)
    log_in(client, guardian)
    return family, guardian
