"""Bad digests are refused with the line named; good ones keep every byte."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from summarizer.core.digest.parser import decode_digest, parse_digest
from summarizer.core.digest.render import render_digest
from summarizer.core.errors import DigestFormatError
from tests.conftest import SAMPLE


def test_fields_of_the_sample(sample_text: str) -> None:
    entries = parse_digest(sample_text)
    first = entries[0]
    assert first.paper.id == "2512.20781"
    assert first.paper.authors == ["Youjin Jung", "Seongwoo Cho", "Hyun-seok Min", "Sungchul Choi"]
    assert first.paper.primary_category == "cs.IR"
    assert first.summary.tldr.startswith("SoFT是")
    reaseq = entries[6]
    assert "\n  To address these challenges" in reaseq.paper.abstract


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_every_truncation_is_refused(sample_text: str, data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=1, max_value=len(sample_text) - 1))
    # Cut right after the contents heading, what is left is the empty digest: a whole document.
    assume(sample_text[:cut] != render_digest([]))
    with pytest.raises(DigestFormatError):
        parse_digest(sample_text[:cut])


def test_truncated_at_a_paper_boundary_names_the_contents_line(sample_text: str) -> None:
    end_of_first = sample_text.index("</details>\n") + len("</details>\n")
    with pytest.raises(DigestFormatError, match=r"line 5: contents say cs.IR has 7 papers, its section has 1"):
        parse_digest(sample_text[:end_of_first] + "\n\n<div id='cs.AI'></div>\n")


def test_missing_field_names_its_paper_and_line(sample_text: str) -> None:
    lines = sample_text.split("\n")
    method = next(i for i, line in enumerate(lines) if line.startswith("Method: "))
    broken = "\n".join(lines[:method] + lines[method + 2 :])
    with pytest.raises(DigestFormatError, match=r"line \d+: paper \[1\]: .*'Motivation: '"):
        parse_digest(broken)


def test_non_utf8_names_the_line(sample_text: str) -> None:
    data = sample_text.encode()
    pos = data.index(b"### [2]")
    line = data[:pos].count(b"\n") + 1
    with pytest.raises(DigestFormatError, match=rf"line {line}: not UTF-8"):
        decode_digest(data[:pos] + b"\xff" + data[pos:])


def test_numbering_out_of_sequence(sample_text: str) -> None:
    with pytest.raises(DigestFormatError, match=r"out of sequence: expected \[2\]"):
        parse_digest(sample_text.replace("### [2] ", "### [3] ", 1))


def test_paper_in_the_wrong_section(sample_text: str) -> None:
    with pytest.raises(DigestFormatError, match="Main category: cs.IR"):
        parse_digest(sample_text.replace("Main category: cs.IR", "Main category: cs.AI", 1))


def test_not_a_digest_at_all() -> None:
    with pytest.raises(DigestFormatError, match=r"line 1: expected '<div id=toc></div>'"):
        parse_digest("# My notes\n")


def test_placeholders_empty_fields_and_unsorted_sections_round_trip(sample_text: str) -> None:
    entries = parse_digest(sample_text)
    odd = [entries[30], entries[2], entries[0]]
    text = render_digest(odd)  # cs.AI first, then cs.IR with papers out of id order
    text = text.replace(odd[1].summary.method, "Summary generation failed")
    text = text.replace("Result: " + odd[0].summary.result, "Result: ")
    assert render_digest(parse_digest(text)) == text
    assert parse_digest(text)[0].summary.result == ""


def test_unstripped_and_multiline_fields_round_trip(sample_text: str) -> None:
    entries = parse_digest(sample_text)[:2]
    text = render_digest(entries)
    text = text.replace("Method: ", "Method: 1. 第一步\n2. 第二步\n\n  缩进的段落 ", 1)
    text = text.replace("TL;DR: ", "TL;DR:  leading space ", 1)
    again = render_digest(parse_digest(text))
    assert again == text


_RAW = st.lists(st.sampled_from(list("ab ,.:;*_<>`$\\[]()#-") + ["\n", "\n\n", "  ", "模型", "Method: ", "TL;DR: "]),
                max_size=30).map("".join).filter(lambda s: "</details>" not in s and "<details>" not in s)
_SAMPLE = parse_digest(SAMPLE.read_text(encoding="utf-8"))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_unstripped_empty_and_odd_fields_round_trip(data: st.DataObject) -> None:
    """Digests written by other tools carry field text as it came: padded, empty, multi-line."""
    entries = []
    for entry in _SAMPLE[:3]:
        fields = {f: data.draw(_RAW) for f in ("tldr", "motivation", "method", "result", "conclusion")}
        abstract = data.draw(_RAW)
        entries.append(entry.model_copy(update={"summary": entry.summary.model_copy(update=fields),
                                                "paper": entry.paper.model_copy(update={"abstract": abstract})}))
    text = render_digest(entries)
    assert render_digest(parse_digest(text)) == text
