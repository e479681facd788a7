"""Which papers belong to arXiv's listing of a given date: pure date arithmetic over arXiv's calendar.

Listing D (Monday to Friday, not an arXiv holiday) holds the papers first submitted between the
end of the previous listing's window and 14:00 US-Eastern on the business day before D (Friday for
a Monday). It is announced at 20:00 US-Eastern the evening before D (Sunday for Monday). On an
arXiv holiday nothing is announced, so the next listing covers every submission since the last
announcement: its window starts where the last published listing's window ended.
Everything is computed in America/New_York, so daylight saving switches move the UTC times, not the listing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from summarizer.core.errors import ConfigError, NoListingError

EASTERN = ZoneInfo("America/New_York")
CUTOFF = time(14, 0)
ANNOUNCE = time(20, 0)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # not the locale's


def previous_business_day(day: date) -> date:
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _eastern(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=EASTERN).astimezone(UTC)


@dataclass(frozen=True)
class Calendar:
    """arXiv's listing days: weekdays that are not holidays. `known_years` are the years whose holidays
    are known; for any other year every weekday is taken as a listing day (and the caller warns)."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    known_years: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def of(cls, by_year: dict[int, Iterable[date]], extra: Iterable[date] = ()) -> Calendar:
        """The shipped holidays by year plus the config's own dates (whose years then count as known)."""
        days = {d for dates in by_year.values() for d in dates} | set(extra)
        for day in days:
            if day.weekday() >= 5:
                raise ConfigError(f"{day.isoformat()} is a {_WEEKDAYS[day.weekday()]}, never a listing date: a "
                                  "holiday is the date of a listing arXiv does not publish", key="arxiv.holidays")
        return cls(frozenset(days), frozenset(by_year) | {d.year for d in extra})

    def is_listing_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def check(self, day: date) -> None:
        if day.weekday() >= 5:
            raise NoListingError(f"{day.isoformat()} is a {_WEEKDAYS[day.weekday()]}: arXiv publishes no listing on "
                                 "weekends")
        if day in self.holidays:
            raise NoListingError(f"{day.isoformat()} is an arXiv holiday: arXiv publishes no listing that day; the "
                                 "next listing covers its submissions (arxiv.org/help/availability)")

    def unknown_years(self, days: Iterable[date]) -> list[int]:
        return sorted({d.year for d in days} - self.known_years)

    def previous_listing(self, day: date) -> date:
        """The last listing published before `day`."""
        day -= timedelta(days=1)
        while not self.is_listing_day(day):
            day -= timedelta(days=1)
        return day

    def _cutoff(self, day: date) -> datetime:
        """The end of listing `day`'s window: 14:00 on the business day before it."""
        return _eastern(previous_business_day(day), CUTOFF)

    def window(self, day: date) -> tuple[datetime, datetime]:
        """[start, end) in UTC of the submissions listing `day` announces."""
        self.check(day)
        return self._cutoff(self.previous_listing(day)), self._cutoff(day)

    def lookback_window(self, day: date, previous: int) -> tuple[datetime, datetime]:
        """The window of `day` widened to also cover the `previous` listings before it."""
        start, end = self.window(day)
        earlier = day
        for _ in range(previous):
            earlier = self.previous_listing(earlier)
            start = self.window(earlier)[0]
        return start, end

    def announced_at(self, day: date) -> datetime:
        """Listings are announced at 20:00 US-Eastern the evening before (Sunday for Monday's)."""
        self.check(day)
        return _eastern(day - timedelta(days=1), ANNOUNCE)

    def newest(self, now: datetime) -> date:
        """The newest listing already announced at `now` (an aware datetime)."""
        day = now.astimezone(EASTERN).date() + timedelta(days=1)
        while not self.is_listing_day(day) or self.announced_at(day) > now:
            day -= timedelta(days=1)
        return day

    def days(self, start: date, end: date) -> list[date]:
        """Every listing date of [start, end]: weekdays, holidays left out."""
        if end < start:
            raise ConfigError(f"--from {start} is after --to {end}", key="--from")
        every = (start + timedelta(days=n) for n in range((end - start).days + 1))
        return [d for d in every if self.is_listing_day(d)]


NO_HOLIDAYS = Calendar()


def api_timestamp(moment: datetime) -> str:
    """arXiv's `submittedDate` bound format, in GMT: YYYYMMDDHHMM."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M")
