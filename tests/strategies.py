"""Hypothesis strategies for digest entries: multi-line fields, LaTeX, Markdown/HTML specials, CJK."""

from __future__ import annotations

from hypothesis import strategies as st

from summarizer.core.models import Entry, Paper, Summary

_LABELS = ("TL;DR: ", "Motivation: ", "Method: ", "Result: ", "Conclusion: ", "Abstract: ", "### [",
           "<div id='", "</details>", "<details>", "  <summary>")
_ALPHABET = st.sampled_from(
    list("abcxyzABC0123 .,;:()[]{}*_<>`$\\^&#%|~-+=/'\"")
    + ["检索", "模型", "增强", "，", "。", "\\mathbb{R}", "$x_i^2$", "**bold**", "<script>", "p < 0.001", "→"]
)


def _line() -> st.SearchStrategy[str]:
    return st.lists(_ALPHABET, min_size=1, max_size=12).map("".join).filter(
        lambda s: not s.startswith(_LABELS)
    )


def field_text() -> st.SearchStrategy[str]:
    """Stripped text of one to four lines, paragraphs possibly separated by blank lines."""
    parts = st.lists(st.one_of(_line(), _line(), st.just("")), min_size=1, max_size=4)
    return parts.map("\n".join).map(str.strip).filter(bool)


def abstract_text() -> st.SearchStrategy[str]:
    """Abstracts keep paragraph breaks as a newline followed by two spaces."""
    return st.lists(_line().map(str.strip).filter(bool), min_size=1, max_size=3).map("\n  ".join)


CATEGORIES = ["cs.IR", "cs.AI", "cs.LG", "math.OC", "hep-th", "q-bio.NC"]


@st.composite
def entries(draw: st.DrawFn, max_size: int = 8) -> list[Entry]:
    count = draw(st.integers(min_value=0, max_value=max_size))
    ids = draw(st.lists(st.integers(10000, 99999), min_size=count, max_size=count, unique=True))
    result = []
    for number in ids:
        paper_id = f"2512.{number}"
        cat = draw(st.sampled_from(CATEGORIES))
        name = st.text(st.characters(blacklist_characters=",\n\r", blacklist_categories=("Cs", "Zl", "Zp")),
                       min_size=1, max_size=15).map(str.strip).filter(bool)
        paper = Paper(
            id=paper_id,
            title=draw(_line().map(str.strip).filter(bool)),
            authors=draw(st.lists(name, max_size=4)),
            abstract=draw(abstract_text()),
            primary_category=cat,
            categories=[cat],
            abs_url=f"https://arxiv.org/abs/{paper_id}",
            pdf_url=f"https://arxiv.org/pdf/{paper_id}",
        )
        summary = Summary(**{f: draw(field_text()) for f in ("tldr", "motivation", "method", "result",
                                                               "conclusion")})
        result.append(Entry(paper=paper, summary=summary))
    return result
