"""The current and next seasons as the portal's pages read them, prepared (extranet/base/prepared.py)
and kept a few seconds (extranet/base/sitewide.py): at most one current and one next season
(unique constraints)."""

from __future__ import annotations

from django.db.models import Q

from extranet.base.models import Season
from extranet.base.prepared import PreparedQuery
from extranet.base.sitewide import KeptRead

_CURRENT_SEASON = KeptRead(PreparedQuery(lambda: Season.objects.filter(is_current=True)[:1]))
_NEXT_SEASON = KeptRead(PreparedQuery(lambda: Season.objects.filter(is_next=True)[:1]))
_CURRENT_AND_NEXT_SEASONS = KeptRead(
    PreparedQuery(lambda: Season.objects.filter(Q(is_current=True) | Q(is_next=True)))
)


def current_season() -> Season | None:
    """``Season.objects.current()``, prepared."""
    return _CURRENT_SEASON.first()


def next_season() -> Season | None:
    """``Season.objects.next()``, prepared."""
    return _NEXT_SEASON.first()


def current_and_next_seasons() -> list[Season]:
    """The current season and the next, those that exist, in one query."""
    return _CURRENT_AND_NEXT_SEASONS.list()
