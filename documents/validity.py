"""Validity rules of document types: from which date a document counts.

Files cannot be read reliably for their date, so when a type has a rule the family types the
date written on the document (the medical certificate's date) and it is checked here.

``from_july_1`` (the dance medical certificate, Malakoff's guide): dated from 1 July of the
start year of the coming season, i.e. the season flagged "next" if there is one, else the
current one. While that date is still in the future (re-enrolment in May for September), the
certificate cannot exist yet: it is shown "à fournir à partir du 1er juillet" but does not
block the dossier's completeness (see ``selectors``).
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from documents.models import Document, DocumentType
from extranet.base.dates import long_date
from extranet.base.models import Season


def coming_season(seasons=None) -> Season | None:
    """The season documents are collected for: the next one if flagged, else the current one."""
    if seasons is None:
        seasons = list(Season.objects.filter(Q(is_next=True) | Q(is_current=True)))
    upcoming = [season for season in seasons if season.is_next] or [s for s in seasons if s.is_current]
    return upcoming[0] if upcoming else None


def earliest_date(document_type: DocumentType, *, today: datetime.date, season=None) -> datetime.date | None:
    """The first date a document of this type may bear, or None when the type has no rule."""
    if document_type.validity == DocumentType.Validity.FROM_JULY_1:
        if season is not None:
            year = season.starts_on.year
        else:
            year = today.year if (today.month, today.day) >= (7, 1) else today.year - 1
        return datetime.date(year, 7, 1)
    if document_type.validity == DocumentType.Validity.CURRENT_CIVIL_YEAR:
        return datetime.date(today.year, 1, 1)
    return None


def counts(document: Document, earliest: datetime.date | None) -> bool:
    """A handed-in document still satisfies its type's rule (no date typed: staff upload, counts)."""
    return earliest is None or document.document_date is None or document.document_date >= earliest


def date_error(
    document_type: DocumentType, document_date: datetime.date | None, *, today: datetime.date, season=None
) -> str | None:
    """Why ``document_date`` is not acceptable for ``document_type``, or None when it is."""
    earliest = earliest_date(document_type, today=today, season=season)
    if earliest is None:
        return None
    if document_date is None:
        return _("Indiquez la date écrite sur le document « %(type)s ».") % {"type": document_type.name}
    if document_date > today:
        return _("La date du document ne peut pas être après aujourd'hui (%(today)s).") % {
            "today": date_format(today, "SHORT_DATE_FORMAT")
        }
    if document_date < earliest:
        return _(
            "« %(type)s » doit être daté du %(earliest)s ou après : celui du %(date)s n'est plus valable"
            "%(season)s. Demandez un document plus récent."
        ) % {
            "type": document_type.name,
            "earliest": long_date(earliest),
            "date": long_date(document_date),
            "season": (_(" pour la saison %(season)s") % {"season": season.label}) if season else "",
        }
    return None
