"""Who changed what: one ChangeRecord per changed field, shown to staff on each object."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models

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


def diff(instance: models.Model, before: dict[str, str]) -> list[FieldChange]:
    changes = []
    for name, old in before.items():
        new = display_value(instance, name)
        if new != old:
            label = str(instance._meta.get_field(name).verbose_name)
            changes.append(FieldChange(field=name, label=label[:1].upper() + label[1:], old=old, new=new))
    return changes


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
