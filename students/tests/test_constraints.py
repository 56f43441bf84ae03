"""Courses, enrolments and school records the database keeps consistent."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from extranet.tests.factories import current_season
from students.models import Enrolment, SchoolRecord
from students.tests.factories import CourseFactory, EnrolmentFactory, SchoolRecordFactory

pytestmark = pytest.mark.django_db


def test_a_course_has_at_least_one_place():
    CourseFactory(capacity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseFactory(capacity=0)


def test_a_course_minimum_age_is_not_above_its_maximum():
    CourseFactory(min_age=7, max_age=7)
    CourseFactory(min_age=18, max_age=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseFactory(min_age=12, max_age=8)


def test_a_course_ends_after_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseFactory(starts_at=datetime.time(15, 0), ends_at=datetime.time(14, 0))


def test_a_discovery_course_is_in_semester_1_or_2():
    CourseFactory(semester=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseFactory(semester=3)


def test_a_pupil_is_enrolled_once_in_a_course():
    enrolment = EnrolmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(student=enrolment.student, course=enrolment.course)


def test_an_enrolment_takes_the_season_of_its_course():
    enrolment = EnrolmentFactory()
    assert enrolment.season == enrolment.course.season == current_season()


def test_a_pupil_has_one_school_record_per_season():
    record = SchoolRecordFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolRecord.objects.create(student=record.student, season=record.season, school_name="Autre école")
