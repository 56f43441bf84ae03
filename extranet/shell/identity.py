"""The logged-in request's identity (user, guardian, households) through the shared cache.

``extranet.base.identity`` says when the cache is used and how entries are forgotten; this
module, which knows households, builds the entries and says which logins a written row concerns.
Connected at start-up by ``ShellConfig.ready``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from extranet.base import identity
from extranet.base.models import PaymentMeans, Site, User
from families.models import Family, Guardian, Membership

# The households of the user, as loaded with it: read by PortalFamilyMiddleware.
MEMBERSHIPS = "_tutti_memberships"


def acting_memberships(user) -> list[Membership]:
    """The guardian's households with the guardian, in one query."""
    return list(
        Membership.objects.select_related("guardian__site", "family__site", "family__payment_means")
        .filter(guardian__user=user)
        .order_by("family_id")
    )


def load_user(user_id, load):
    """The active user ``user_id`` with its memberships: one cache read, the database on a miss."""
    key = identity.user_key(user_id)
    values = identity.read_with_session(user_id, [key, identity.GENERATION_KEY])
    if values is None:
        values = cache.get_many([key, identity.GENERATION_KEY])
    generation = values.get(identity.GENERATION_KEY, 0)
    entry = values.get(key)
    if entry is not None and entry[0] == generation:
        _generation, user, memberships = entry
    else:
        user = load(user_id)  # None for an unknown or deactivated login: never cached
        if user is None:
            return None
        memberships = acting_memberships(user) if user.site_id else []
        cache.set(key, (generation, user, memberships), settings.IDENTITY_CACHE_TIMEOUT)
    setattr(user, MEMBERSHIPS, memberships)
    return user


def affected_users(model: type, pk: int) -> list[int]:
    """The logins whose cached identity holds the row ``pk`` of ``model``."""
    if issubclass(model, User):
        return [pk]
    if issubclass(model, Guardian):
        return list(Guardian.objects.filter(pk=pk, user__isnull=False).values_list("user_id", flat=True))
    if issubclass(model, Family):
        return list(
            Membership.objects.filter(family_id=pk, guardian__user__isnull=False).values_list(
                "guardian__user_id", flat=True
            )
        )
    if issubclass(model, Membership):
        return list(
            Membership.objects.filter(pk=pk, guardian__user__isnull=False).values_list(
                "guardian__user_id", flat=True
            )
        )
    return []


def _user_written(sender, instance, **kwargs):
    identity.forget_users([instance.pk])


def _guardian_written(sender, instance, **kwargs):
    identity.forget_users([instance.user_id])


def _membership_written(sender, instance, **kwargs):
    if identity.enabled():
        identity.forget_users(
            Guardian.objects.filter(pk=instance.guardian_id).values_list("user_id", flat=True)
        )


def _family_written(sender, instance, **kwargs):
    if identity.enabled():
        identity.forget_users(affected_users(Family, instance.pk))


def _shared_row_written(sender, instance, **kwargs):
    identity.forget_everyone()


def connect() -> None:
    identity.register(affected_users=affected_users, loader=load_user)
    for model, receiver in (
        (User, _user_written),
        (Guardian, _guardian_written),
        (Membership, _membership_written),
        (Family, _family_written),
        (Site, _shared_row_written),
        (PaymentMeans, _shared_row_written),
    ):
        for signal in (post_save, post_delete):
            signal.connect(receiver, sender=model, dispatch_uid=f"tutti-identity-{model.__name__}-{signal}")
