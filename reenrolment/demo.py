"""Demo re-enrolment data: the VOISIN family of Malakoff has already sent Inès's dossier.

Called by ``seed_demo`` after the families, courses and the open Malakoff window exist. The
dossier goes through the same service as the portal, so it obeys the same rules. The DEMO
family's pupils are left for the visitor to re-enrol.
"""

from __future__ import annotations

from django.utils import timezone

from families.models import Guardian
from reenrolment import selectors, services
from reenrolment.models import Reenrolment

DEMO_GUARDIAN = "famille.voisin"
DEMO_PUPIL = "Inès"
# Inès carries on guitar and musical culture (she will be in 3e) and asks for the string orchestra.
CONTINUED = ["Guitare cycle 1", "Formation musicale cycle 2"]
WISHES = ["Orchestre à cordes"]
INFORMATION = "Inès aimerait garder le créneau du mercredi pour la guitare si possible."


def seed_reenrolments(*, now=None) -> int:
    """Give famille.voisin a submitted dossier (idempotent). Returns the number of dossiers created."""
    now = now or timezone.now()
    guardian = Guardian.objects.select_related("user", "site").filter(user__identifier=DEMO_GUARDIAN).first()
    if guardian is None:
        return 0
    window = selectors.window_for_site(guardian.site, at=now)
    if window is None or not window.is_open(now):
        return 0
    family = guardian.families.order_by("pk").first()
    student = family.students.filter(first_name=DEMO_PUPIL).first() if family else None
    if student is None or Reenrolment.objects.filter(student=student, window=window).exists():
        return 0
    offer = selectors.reenrolment_offer(student, window)
    continued = [c.enrolment.pk for c in offer.continuations if c.enrolment.course.name in CONTINUED]
    wishes = [course.pk for course in offer.wishable_courses if course.name in WISHES]
    services.save_reenrolment(
        student=student,
        window=window,
        actor=guardian.user,
        continue_enrolment_ids=continued,
        wish_course_ids=wishes,
        administrative=False,
        information=INFORMATION,
        accepted_house_rules=True,
        expected_version=0,
    )
    return 1
