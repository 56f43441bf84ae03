"""A site's news as the Accueil tab reads them, prepared (extranet/base/prepared.py) and kept a
few seconds (extranet/base/sitewide.py)."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from extranet.base.models import News
from extranet.base.prepared import PreparedQuery
from extranet.base.sitewide import KeptRead

NEWS_SHOWN = 20


def _site_news(site_id, since: datetime.datetime):
    return (
        News.objects.filter(site_id=site_id)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=since))
        .order_by("-published_at", "pk")
    )


# The site's news not expired before today, the same for every family: what is published at this
# very moment is picked from them at each call.
_SITE_NEWS = KeptRead(PreparedQuery(_site_news))


def published_news(site_id: int, at: datetime.datetime) -> list[News]:
    """``News.objects.published(site, at=at)``, the newest ``NEWS_SHOWN``."""
    since = timezone.localtime(at).replace(hour=0, minute=0, second=0, microsecond=0)
    news = [item for item in _SITE_NEWS.list(site_id=site_id, since=since) if item.is_published(at)]
    return news[:NEWS_SHOWN]
