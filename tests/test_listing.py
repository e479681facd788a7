"""Listing windows for every weekday, across both DST switches, and the weekend refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from summarizer.core.errors import NoListingError
from summarizer.core.listing import api_timestamp, listing_window, lookback_window, newest_listing


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
