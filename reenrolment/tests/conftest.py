import pytest


class Documents:
    """Controls what documents.selectors.missing_required_types answers in re-enrolment tests."""

    def __init__(self):
        self.missing_for_family: list = []
        self.missing_for_student: dict[int, list] = {}

    def missing(self, *, family, student=None):
        if student is None:
            return list(self.missing_for_family)
        return list(self.missing_for_student.get(student.pk, []))


@pytest.fixture(autouse=True)
def documents(monkeypatch):
    """By default every required document is handed in; tests set what is missing."""
    state = Documents()
    monkeypatch.setattr("documents.selectors.missing_required_types", state.missing)
    return state
