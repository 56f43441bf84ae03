"""The pupil's bulletin as a PDF: a snapshot in, ``(filename, bytes)`` out.

WeasyPrint fetches nothing from the network: the template carries its own styles and the
fetcher only allows local files.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from weasyprint import HTML
from weasyprint.urls import URLFetcher


@dataclass(frozen=True)
class BulletinLine:
    course: str
    teacher: str
    appreciation: str
    level: str
    skills: str


@dataclass(frozen=True)
class BulletinSnapshot:
    site_name: str
    site_address: str
    site_contact: str
    student_name: str
    birth_date: str
    season: str
    term: str
    lines: tuple[BulletinLine, ...]


def snapshot_bulletin(*, site, student, term, evaluations) -> BulletinSnapshot:
    address = " ".join(part for part in (site.address, site.postal_code, site.city) if part)
    contact = " · ".join(part for part in (site.contact_phone, site.contact_email) if part)
    return BulletinSnapshot(
        site_name=site.name,
        site_address=address,
        site_contact=contact,
        student_name=student.full_name,
        birth_date=student.birth_date.strftime("%d/%m/%Y") if student.birth_date else "",
        season=term.season.label,
        term=term.label,
        lines=tuple(
            BulletinLine(
                course=evaluation.course.name,
                teacher=evaluation.teacher.full_name if evaluation.teacher else "",
                appreciation=evaluation.appreciation,
                level=evaluation.get_level_display() if evaluation.level else "",
                skills=evaluation.skills,
            )
            for evaluation in evaluations
        ),
    )


def render_bulletin(snapshot: BulletinSnapshot) -> tuple[str, bytes]:
    with translation.override("fr"):
        html = render_to_string(
            "students/bulletin_pdf.html", {"bulletin": snapshot, "printed_on": timezone.localdate()}
        )
    pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("file",))).write_pdf()
    filename = (
        f"bulletin-{slugify(snapshot.student_name)}-{slugify(snapshot.season)}-{slugify(snapshot.term)}.pdf"
    )
    return filename, pdf
