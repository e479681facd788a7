"""Which papers belong to arXiv's listing of a given date: pure date arithmetic.

Listing D (Monday to Friday) holds the papers first submitted between 14:00 US-Eastern on the
business day before D's end day and 14:00 on that end day, the business day before D (Friday for a
Monday). It is announced at 20:00 US-Eastern the evening before D (Sunday for Monday).
Everything is computed in America/New_York, so daylight saving switches move the UTC times, not the listing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from summarizer.core.errors import NoListingError

EASTERN = ZoneInfo("America/New_York")
CUTOFF = time(14, 0)
ANNOUNCE = time(20, 0)


def previous_business_day(day: date) -> date:
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def check_listing_date(day: date) -> None:
    if day.weekday() >= 5:
        raise NoListingError(f"{day.isoformat()} is a {day.strftime('%A')}: arXiv publishes no listing on weekends")


def _eastern(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=EASTERN).astimezone(UTC)


def listing_window(day: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the submissions listing `day` announces."""
    check_listing_date(day)
    end_day = previous_business_day(day)
    return _eastern(previous_business_day(end_day), CUTOFF), _eastern(end_day, CUTOFF)


def lookback_window(day: date, previous: int) -> tuple[datetime, datetime]:
    """The window of `day` widened to also cover the `previous` listings before it."""
    start, end = listing_window(day)
    earlier = day
    for _ in range(previous):
        earlier = previous_business_day(earlier)
        start = listing_window(earlier)[0]
    return start, end


def announced_at(day: date) -> datetime:
    """Listings are announced at 20:00 US-Eastern the evening before (Sunday for Monday's)."""
    check_listing_date(day)
    return _eastern(day - timedelta(days=1), ANNOUNCE)


def newest_listing(now: datetime) -> date:
    """The newest listing already announced at `now` (an aware datetime)."""
    day = now.astimezone(EASTERN).date() + timedelta(days=1)
    while day.weekday() >= 5 or announced_at(day) > now:
        day -= timedelta(days=1)
    return day


def api_timestamp(moment: datetime) -> str:
    """arXiv's `submittedDate` bound format, in GMT: YYYYMMDDHHMM."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M")
