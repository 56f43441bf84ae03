"""Reference data shipped in fixtures/ and loaded by data migrations (idempotent)."""

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def load_rows(filename: str) -> list[dict]:
    return json.loads((FIXTURES / filename).read_text(encoding="utf-8"))


def load_reference(apps, model_label: str, filename: str, key: str = "code") -> None:
    """Create or update each row of ``fixtures/<filename>``, matched on ``key``."""
    model = apps.get_model(model_label)
    for row in load_rows(filename):
        values = dict(row)
        model.objects.update_or_create(**{key: values.pop(key)}, defaults=values)
