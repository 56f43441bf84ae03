"""The "validée" email tells what comes next: first lesson, timetable and, once billing prices the
coming season, the estimate of the family's fees (billing registers it in its apps.py)."""

import re

import pytest
from django.core import mail

from billing.tests.factories import BillingSettingsFactory, tariff_grid
from extranet.tests.factories import StaffUserFactory, next_season
from reenrolment import services
from reenrolment.tests.factories import NextCourseFactory, WindowFactory, submitted_dossier

pytestmark = pytest.mark.django_db


def validated_email(window, course, django_capture_on_commit_callbacks, **family):
    dossier = submitted_dossier(course, window=window)
    type(dossier.student.family).objects.filter(pk=dossier.student.family_id).update(**family)
    with django_capture_on_commit_callbacks(execute=True):
        services.validate_reenrolment(reenrolment=dossier, actor=StaffUserFactory())
    [message] = mail.outbox
    html = message.alternatives[0][0]
    return message.body, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_validated_email_gives_the_estimated_fees_in_french(django_capture_on_commit_callbacks):
    window = WindowFactory()
    BillingSettingsFactory(site=window.site)
    # No quotient attestation: the highest bracket applies.
    tariff_grid(window.site, season=next_season(), amounts=("300.00", "600.00", "1234.50"))
    course = NextCourseFactory(pole__site=window.site, name="Piano cycle 2")

    body, html = validated_email(window, course, django_capture_on_commit_callbacks, billing_mode=3)

    season = window.season.label
    for text in (body, html):
        assert f"Droits d'inscription de la famille pour la saison {season} : 1 234,50 € environ" in text
        assert "(en 3 fois – octobre, janvier et avril)" in text
        assert "411,50 €" in text  # each of the three instalments
        assert "pas une facture" in text
    assert "Piano cycle 2" in body


def test_without_tariffs_the_email_says_nothing_of_fees(django_capture_on_commit_callbacks):
    window = WindowFactory()
    course = NextCourseFactory(pole__site=window.site)

    body, html = validated_email(window, course, django_capture_on_commit_callbacks)

    assert "Droits d'inscription de la famille" not in body
    assert "Droits d'inscription de la famille" not in html
    assert "Et maintenant ?" in body
