"""Optimistic locking and change detection shared by every service that edits family data."""

from __future__ import annotations

import dataclasses

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from extranet.base import identity
from extranet.base.audit import FieldChange, diff, record_changes, snapshot
from extranet.base.errors import DomainError
from extranet.base.models import User
from extranet.base.phones import format_phone


class StaleEditError(DomainError):
    """Someone else saved the same data after the form was shown: nothing was written."""

    default_message = _(
        "Un autre responsable de la famille ou le secrétariat a modifié ces informations pendant que vous "
        "les saisissiez. Rien n'a été enregistré : voici les valeurs actuelles, vérifiez-les puis refaites "
        "vos modifications."
    )


# Fields whose stored value (ten digits) is shown to people as "06 12 34 56 78".
PHONE_FIELDS = frozenset({"phone_home", "phone_work", "mobile"})


def lock_version(queryset: models.QuerySet, *, pk: int, version: int) -> models.Model:
    """Lock the row and check it is still the version the form was built from."""
    obj = queryset.select_for_update(of=("self",)).get(pk=pk)
    if obj.version != version:
        raise StaleEditError
    return obj


def apply_values(obj: models.Model, values: dict) -> list[FieldChange]:
    """Set ``values`` on ``obj`` and return what changed, phones shown the way families read them."""
    before = snapshot(obj, list(values))
    for name, value in values.items():
        setattr(obj, name, value)
    return [_readable(change) for change in diff(obj, before)]


def _readable(change: FieldChange) -> FieldChange:
    if change.field.rsplit(".", 1)[-1] in PHONE_FIELDS:
        return dataclasses.replace(change, old=format_phone(change.old), new=format_phone(change.new))
    return change


def bump_version(obj: models.Model, *, version: int, fields: list[str]) -> None:
    """Write ``fields`` of ``obj`` with ``UPDATE … WHERE version = n``; refuse if the row moved on."""
    values = {
        obj._meta.get_field(name).attname: getattr(obj, obj._meta.get_field(name).attname) for name in fields
    }
    values["version"] = version + 1
    if any(field.name == "updated_at" for field in obj._meta.concrete_fields):
        values["updated_at"] = timezone.now()
    updated = type(obj)._default_manager.filter(pk=obj.pk, version=version).update(**values)
    if updated != 1:
        raise StaleEditError
    identity.rows_written(type(obj), [obj.pk])  # an UPDATE sends no post_save
    for name, value in values.items():
        setattr(obj, name, value)


def save_versioned(obj: models.Model, *, version: int, values: dict, actor: User | None) -> list[FieldChange]:
    """Write ``values`` on the locked ``obj``: a new version and a change record if anything changed."""
    changes = apply_values(obj, values)
    if changes:
        bump_version(obj, version=version, fields=[change.field for change in changes])
        record_changes(actor=actor, instance=obj, changes=changes)
    return changes
