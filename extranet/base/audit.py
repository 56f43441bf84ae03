"""Who changed what: one ChangeRecord per changed field, shown to staff on each object."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext

from extranet.base.dates import short_date
from extranet.base.models import ChangeRecord


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str


def display_value(instance: models.Model, field_name: str) -> str:
    """The value as the family sees it: choice labels, related names, "oui"/"non"."""
    field = instance._meta.get_field(field_name)
    if field.choices:
        value = getattr(instance, f"get_{field_name}_display")()
    else:
        value = getattr(instance, field_name)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if hasattr(value, "strftime"):
        return short_date(value)
    return str(value)


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, str]:
    return {name: display_value(instance, name) for name in fields}


def _equal(name: str, old: Any, new: Any) -> bool:
    return old == new


def changed(
    before: Mapping[str, Any], after: Mapping[str, Any], *, same: Callable[[str, Any, Any], bool] = _equal
) -> list[str]:
    """The names whose value differs from ``before`` to ``after``, in ``before``'s order.

    The one change-detection loop: the portal's and the admin's edits, the school record, the
    import from the old software all ask it; ``same(name, old, new)`` may loosen the comparison.
    """
    return [name for name, old in before.items() if not same(name, old, after[name])]


def field_label(instance: models.Model, name: str) -> str:
    """The field's name as staff and families read it: "Mobile (SMS)"."""
    label = str(instance._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def diff(instance: models.Model, before: dict[str, str]) -> list[FieldChange]:
    """What changed on ``instance`` since ``snapshot`` took ``before``, as families read it."""
    after = snapshot(instance, list(before))
    return [
        FieldChange(field=name, label=field_label(instance, name), old=before[name], new=after[name])
        for name in changed(before, after)
    ]


def record_changes(*, actor, instance: models.Model, changes: list[FieldChange]) -> None:
    content_type = ContentType.objects.get_for_model(instance)
    ChangeRecord.objects.bulk_create(
        ChangeRecord(
            content_type=content_type,
            object_id=instance.pk,
            actor=actor,
            field=change.field,
            field_label=change.label,
            old_value=change.old,
            new_value=change.new,
        )
        for change in changes
    )


def creation_changes(instance: models.Model, fields: list[str]) -> list[FieldChange]:
    """What a new record holds, as changes from nothing: a "créé" line, then each field filled in."""
    created = FieldChange(field="created", label=gettext("Fiche"), old="", new=gettext("créé"))
    return [created] + [
        FieldChange(field=name, label=field_label(instance, name), old="", new=value)
        for name, value in snapshot(instance, fields).items()
        if value
    ]
