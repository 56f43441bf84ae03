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


def famille_form_data(guardian: Guardian, family: Family, **overrides) -> dict:
    """What the Famille tab posts back unchanged for ``guardian``, plus ``overrides``."""
    data = {
        "guardian-version": guardian.version,
        "guardian-civility": guardian.civility_id or civility("mme").pk,
        "guardian-last_name": guardian.last_name,
        "guardian-first_name": guardian.first_name,
        "guardian-family_situation": guardian.family_situation,
        "guardian-profession": guardian.profession,
        "guardian-socio_professional_category": "",
        "guardian-address": guardian.address,
        "guardian-postal_code": guardian.postal_code,
        "guardian-city": guardian.city,
        "guardian-phone_home": guardian.phone_home,
        "guardian-phone_work": guardian.phone_work,
        "guardian-email": guardian.email,
        "guardian-mobile": guardian.mobile,
        "family-version": family.version,
        "family-billing_mode": family.billing_mode,
        "family-payment_means": family.payment_means_id,
    }
    data.update(overrides)
    return data
