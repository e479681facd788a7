"""The renderer against the sample digest and against generated entries."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.core.digest.parser import parse_digest
from summarizer.core.digest.render import render_digest, section_order
from summarizer.core.models import Entry
from tests.strategies import CATEGORIES, entries


def test_sample_round_trip_is_byte_identical(sample_text: str, sample_entries: list[Entry]) -> None:
    assert len(sample_entries) == 38
    assert render_digest(sample_entries) == sample_text


def test_configured_order_then_alphabetical(sample_entries: list[Entry]) -> None:
    text = render_digest(sample_entries, ["cs.AI", "cs.LG"])
    assert text.index("- [cs.AI](#cs.AI) [Total: 31]") < text.index("- [cs.IR](#cs.IR) [Total: 7]")
    assert "cs.LG" not in text  # no papers, no section
    # numbering restarts from the first section shown
    assert "### [1] [BitRL-Light" in text
    assert text.endswith("</details>\n")


def test_empty_digest_is_just_the_contents_header() -> None:
    assert render_digest([]) == "<div id=toc></div>\n\n# Table of Contents\n\n"
    assert parse_digest(render_digest([])) == []


def test_section_order_without_configuration_follows_first_appearance(sample_entries: list[Entry]) -> None:
    reordered = sample_entries[7:] + sample_entries[:7]
    assert section_order(reordered) == ["cs.AI", "cs.IR"]
    assert section_order(reordered, ["hep-th"]) == ["cs.AI", "cs.IR"]


def _grouped(items: list[Entry], cats: list[str] | None) -> list[Entry]:
    order = section_order(items, cats)
    return [e for cat in order for e in items if e.paper.primary_category == cat]


@settings(max_examples=150, deadline=None)
@given(entries(), st.one_of(st.none(), st.lists(st.sampled_from(CATEGORIES), unique=True)))
def test_parse_inverts_render(items: list[Entry], cats: list[str] | None) -> None:
    text = render_digest(items, cats)
    parsed = parse_digest(text)
    expected = _grouped(items, cats)
    assert [(e.paper.id, e.paper.title, e.paper.authors, e.paper.abstract, e.paper.primary_category)
            for e in parsed] == [(e.paper.id, e.paper.title, e.paper.authors, e.paper.abstract,
                                  e.paper.primary_category) for e in expected]
    assert [e.summary for e in parsed] == [e.summary for e in expected]
    assert render_digest(parsed) == text


@settings(max_examples=50, deadline=None)
@given(entries(max_size=5))
def test_text_passes_through_verbatim(items: list[Entry]) -> None:
    text = render_digest(items)
    for entry in items:
        assert f"TL;DR: {entry.summary.tldr}\n" in text
        assert f"Abstract: {entry.paper.abstract}\n\n</details>\n" in text
