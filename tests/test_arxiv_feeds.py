"""Our Atom and RSS parsers on arXiv's real answers: today's format, August 2025's, missing ids, errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from summarizer.core.arxiv_feeds import FeedError, parse_atom
from tests.conftest import FIXTURES

OLD = FIXTURES / "arxiv" / "api-2025-08-old-format.xml"


def test_a_listing_page_in_todays_format() -> None:
    page = parse_atom((FIXTURES / "arxiv" / "listing-2025-12-24.xml").read_bytes())
    assert page.total == 40 and len(page.papers) == page.entries == 40
    first = page.papers[0]
    assert first.id == "2512.20623" and first.version == 1
    assert first.title.startswith("BitRL-Light: 1-bit LLM Agents") and "\n" not in first.title
    assert first.comment == "Presented as poster in IPCCC 2025 at Austin" and first.authors[0] == "Ravi Gupta"
    assert first.published == datetime(2025, 12, 22, 19, 36, 55, tzinfo=UTC)
    assert first.pdf_url == "https://arxiv.org/pdf/2512.20623v1"
    mega = next(p for p in page.papers if p.id == "2512.20626")
    assert mega.categories == ["cs.AI", "cs.CL", "cs.CV", "cs.IR"] and mega.primary_category == "cs.AI"


def test_the_old_format_with_doi_journal_ref_and_a_missing_id() -> None:
    # arXiv answers an id_list id it does not have with an empty <entry> (no <id>, empty category): skipped,
    # not an error, while paging still counts it (autobib/rsxiv's recorded answers, August 2025).
    page = parse_atom(OLD.read_bytes())
    assert page.total == 3 and page.entries == 3 and [p.id for p in page.papers] == ["hep-ph/9411242", "1706.01836"]
    old, new = page.papers
    assert old.title == "Proton-ring and Electron-linac Collider (PRELC) as a (first) TeV-rangeelectron-proton or " \
        "photon-proton collider"
    assert old.authors == ["Raimo Vuopionperä"] and old.abstract.startswith("The use of the existing")
    assert "\n" in old.abstract and "$10^{31}$" in old.abstract  # line breaks and TeX kept as sent
    assert new.version == 2 and new.doi == "10.1063/1.4996038"
    assert new.journal_ref == "The Journal of Chemical Physics 147, 114113 (2017)"
    assert new.primary_category == "physics.chem-ph" and new.abs_url == "https://arxiv.org/abs/1706.01836"
    assert new.updated == datetime(2017, 9, 24, 14, 21, 38, tzinfo=UTC)


def test_an_error_entry_on_a_200_is_a_refused_query() -> None:
    body = (FIXTURES / "arxiv" / "error-400.xml").read_bytes()
    with pytest.raises(FeedError, match="arXiv refused the query: incorrect id format for 2512.2078x") as caught:
        parse_atom(body)
    assert caught.value.retry is False


@pytest.mark.parametrize("body", [b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><entry>",
                                  b"Rate exceeded.", b"<html><body>maintenance</body></html>",
                                  b"<feed xmlns='http://www.w3.org/2005/Atom'></feed>"])
def test_pages_that_are_not_whole_are_asked_again(body: bytes) -> None:
    with pytest.raises(FeedError) as caught:
        parse_atom(body)
    assert caught.value.retry is True
