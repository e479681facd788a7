"""Listing windows for every weekday, across both DST switches, arXiv's holidays, and the weekend refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from summarizer.core.errors import ConfigError, NoListingError
from summarizer.core.listing import NO_HOLIDAYS, Calendar, api_timestamp
from summarizer.edges.resources import arxiv_holidays, listing_calendar

listing_window, lookback_window, newest_listing = NO_HOLIDAYS.window, NO_HOLIDAYS.lookback_window, NO_HOLIDAYS.newest
ARXIV = listing_calendar()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("day", "start", "end"), [
    (date(2025, 12, 22), utc(2025, 12, 18, 19), utc(2025, 12, 19, 19)),  # Monday: Thu -> Fri
    (date(2025, 12, 23), utc(2025, 12, 19, 19), utc(2025, 12, 22, 19)),  # Tuesday: Fri -> Mon
    (date(2025, 12, 24), utc(2025, 12, 22, 19), utc(2025, 12, 23, 19)),  # Wednesday: Mon -> Tue
    (date(2025, 12, 25), utc(2025, 12, 23, 19), utc(2025, 12, 24, 19)),  # Thursday: Tue -> Wed
    (date(2025, 12, 26), utc(2025, 12, 24, 19), utc(2025, 12, 25, 19)),  # Friday: Wed -> Thu
    (date(2025, 7, 2), utc(2025, 6, 30, 18), utc(2025, 7, 1, 18)),  # summer: 14:00 EDT is 18:00 UTC
])
def test_windows(day: date, start: datetime, end: datetime) -> None:
    assert listing_window(day) == (start, end)


def test_window_across_spring_forward() -> None:
    # DST began Sunday 2026-03-08: Friday 14:00 EST (19:00 UTC) to Monday 14:00 EDT (18:00 UTC)
    assert listing_window(date(2026, 3, 10)) == (utc(2026, 3, 6, 19), utc(2026, 3, 9, 18))


def test_window_across_fall_back() -> None:
    # DST ended Sunday 2025-11-02: Friday 14:00 EDT (18:00 UTC) to Monday 14:00 EST (19:00 UTC)
    assert listing_window(date(2025, 11, 4)) == (utc(2025, 10, 31, 18), utc(2025, 11, 3, 19))


@pytest.mark.parametrize("day", [date(2025, 12, 27), date(2025, 12, 28)])
def test_weekend_has_no_listing(day: date) -> None:
    with pytest.raises(NoListingError, match="no listing on weekends"):
        listing_window(day)


def test_lookback_reaches_two_listings_back() -> None:
    assert lookback_window(date(2025, 12, 24), 2) == (utc(2025, 12, 18, 19), utc(2025, 12, 23, 19))


def test_newest_listing_switches_at_the_announcement() -> None:
    # listing of Wed 24 Dec is announced Tue 23 Dec 20:00 EST = Wed 01:00 UTC
    assert newest_listing(utc(2025, 12, 24, 0, 59)) == date(2025, 12, 23)
    assert newest_listing(utc(2025, 12, 24, 1, 0)) == date(2025, 12, 24)
    # over the weekend the newest is Friday's (announced Thursday evening)... until Sunday 20:00 EST
    assert newest_listing(utc(2025, 12, 28, 12)) == date(2025, 12, 26)
    assert newest_listing(utc(2025, 12, 29, 1, 0)) == date(2025, 12, 29)


def test_api_timestamp_is_gmt_minutes() -> None:
    assert api_timestamp(utc(2025, 12, 22, 19)) == "202512221900"


def test_the_shipped_calendar_is_arxivs_published_one() -> None:
    by_year = arxiv_holidays()
    assert sorted(by_year) == [2023, 2024, 2025, 2026]
    assert date(2025, 12, 25) in by_year[2025] and date(2025, 11, 27) in by_year[2025]
    assert date(2026, 11, 26) in by_year[2026] and len(by_year[2026]) == 9
    assert all(d.weekday() < 5 and d.year == year for year, days in by_year.items() for d in days)


def test_a_holiday_has_no_listing_and_the_next_day_covers_the_whole_window() -> None:
    # "holidays simply list nothing" was wrong: arXiv announces nothing, and the next announcement covers the
    # longer window (issue 16, item 4).
    with pytest.raises(NoListingError, match="2025-12-25 is an arXiv holiday"):
        ARXIV.window(date(2025, 12, 25))
    # the last listing before it was Wed 24 Dec (window Mon 14:00 -> Tue 14:00): Fri 26 Dec takes Tue -> Thu
    assert ARXIV.window(date(2025, 12, 26)) == (utc(2025, 12, 23, 19), utc(2025, 12, 25, 19))
    assert ARXIV.window(date(2025, 12, 24)) == listing_window(date(2025, 12, 24))
    # two holidays around a weekend: Tue 30 Dec 2025 and Thu 1 Jan 2026
    assert ARXIV.window(date(2025, 12, 31)) == (utc(2025, 12, 26, 19), utc(2025, 12, 30, 19))
    assert ARXIV.window(date(2026, 1, 2)) == (utc(2025, 12, 30, 19), utc(2026, 1, 1, 19))
    assert ARXIV.lookback_window(date(2025, 12, 26), 1) == (utc(2025, 12, 22, 19), utc(2025, 12, 25, 19))


def test_windows_tile_time_across_holidays() -> None:
    days = ARXIV.days(date(2025, 11, 3), date(2026, 1, 30))
    windows = [ARXIV.window(d) for d in days]
    assert all(a[1] == b[0] for a, b in zip(windows, windows[1:], strict=False))  # no gap, no overlap
    assert date(2025, 11, 27) not in days and date(2025, 12, 25) not in days and date(2026, 1, 1) not in days


def test_the_newest_listing_skips_a_holiday() -> None:
    # Wed 24 Dec 22:00 EST: the 25th's listing would have been announced at 20:00, but there is none
    assert ARXIV.newest(utc(2025, 12, 25, 3)) == date(2025, 12, 24)
    assert ARXIV.newest(utc(2025, 12, 26, 3)) == date(2025, 12, 26)


def test_backfill_days_leave_holidays_out() -> None:
    days = ARXIV.days(date(2025, 12, 22), date(2026, 1, 5))
    assert [d.isoformat() for d in days] == ["2025-12-22", "2025-12-23", "2025-12-24", "2025-12-26", "2025-12-29",
                                             "2025-12-31", "2026-01-02", "2026-01-05"]


def test_config_holidays_add_ad_hoc_deferrals_and_years() -> None:
    calendar = listing_calendar([date(2027, 1, 1), date(2026, 3, 4)])
    assert not calendar.is_listing_day(date(2027, 1, 1)) and not calendar.is_listing_day(date(2026, 3, 4))
    assert calendar.unknown_years([date(2027, 5, 5), date(2028, 1, 3)]) == [2028]
    assert ARXIV.unknown_years([date(2027, 5, 5)]) == [2027]
    with pytest.raises(ConfigError, match="2026-03-07 is a Saturday"):
        listing_calendar([date(2026, 3, 7)])


def test_weekday_names_are_english_whatever_the_locale() -> None:
    with pytest.raises(NoListingError, match="is a Saturday"):
        Calendar().check(date(2025, 12, 27))
