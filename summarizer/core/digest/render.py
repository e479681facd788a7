"""Entries in, digest Markdown out: the format users keep years of, byte for byte.

Pure functions only. Field text goes in verbatim (the stages that create records strip it),
so whatever `digest_parser` reads back renders to the very same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from summarizer.core.checks.marks import marked, verbatim
from summarizer.core.models import Entry, digest_link, listed_only

TOC_HEADER = "<div id=toc></div>\n\n# Table of Contents\n\n"
OTHER_ANCHOR = "other-papers"
OTHER_TITLE = "Other new papers"


def section_order(entries: Iterable[Entry], categories: Sequence[str] | None = None) -> list[str]:
    """Configured categories first (in their order), then the others alphabetically.

    Without a configuration, sections follow the order in which categories first appear.
    Categories without papers get no section.
    """
    return order_categories((e.paper.primary_category for e in entries), categories)


def order_categories(present: Iterable[str], categories: Sequence[str] | None = None) -> list[str]:
    """`section_order` over category names (each paper's primary category, in hand-over order)."""
    seen = list(dict.fromkeys(present))
    if categories is None:
        return seen
    configured = [c for c in dict.fromkeys(categories) if c in seen]
    return configured + sorted(c for c in seen if c not in configured)


def group_by_section(
    entries: Sequence[Entry], categories: Sequence[str] | None = None
) -> list[tuple[str, list[Entry]]]:
    """Sections in display order, each with its entries in the order they were handed over.

    Papers without a summary yet are left out: a digest never shows a paper without one.
    """
    summarized = [e for e in entries if e.summary is not None]
    groups: dict[str, list[Entry]] = {cat: [] for cat in section_order(summarized, categories)}
    for entry in summarized:
        groups[entry.paper.primary_category].append(entry)
    return list(groups.items())


def render_entry(entry: Entry, index: int) -> str:
    p, s = entry.paper, entry.summary
    if s is None:
        raise ValueError(f"paper {p.id} has no summary to render")
    return (
        f"### [{index}] [{p.title}]({digest_link(p)})\n"
        f"*{','.join(p.authors)}*\n"
        f"\n"
        f"Main category: {p.primary_category}\n"
        f"\n"
        f"TL;DR: {marked(s.tldr, 'tldr', entry.checks, verbatim)}\n"
        f"\n"
        f"\n"
        f"<details>\n"
        f"  <summary>Details</summary>\n"
        f"Motivation: {s.motivation}\n"
        f"\n"
        f"Method: {marked(s.method, 'method', entry.checks, verbatim)}\n"
        f"\n"
        f"Result: {marked(s.result, 'result', entry.checks, verbatim)}\n"
        f"\n"
        f"Conclusion: {s.conclusion}\n"
        f"\n"
        f"Abstract: {p.abstract}\n"
        f"\n"
        f"</details>\n"
    )


def listed_line(entry: Entry) -> str:
    """One paper the ranking left unsummarized: title and link, authors, category, score and reason."""
    p = entry.paper
    rank = entry.extra.get("rank") or {}
    why = f" · {rank['why']}" if rank.get("why") else ""
    return (f"- [{p.title}]({digest_link(p)}) · *{','.join(p.authors)}* · {p.primary_category} · "
            f"score {float(rank.get('score') or 0):.3f}{why}\n")


def digest_chunks(sections: Sequence[tuple[str, int]], entries: Iterable[Entry],
                  listed: Sequence[Entry] = ()) -> Iterator[str]:
    """The digest piece by piece: `sections` are (category, paper count) in display order and
    `entries` the papers in display order, so a digest of any size is written without holding it.
    `listed` are the day's other papers (a reader's ranking left them unsummarized): one line each in a
    last section, best first; without them the digest is the format users always had."""
    yield TOC_HEADER
    for cat, count in sections:
        yield f"- [{cat}](#{cat}) [Total: {count}]\n"
    if listed:
        yield f"- [{OTHER_TITLE}](#{OTHER_ANCHOR}) [Total: {len(listed)}]\n"
    papers = iter(entries)
    index = 0
    for cat, count in sections:
        yield f"\n\n<div id='{cat}'></div>\n\n# {cat} [[Back]](#toc)\n\n"
        for k in range(count):
            index += 1
            yield ("\n\n" if k else "") + render_entry(next(papers), index)
    if listed:
        yield f"\n\n<div id='{OTHER_ANCHOR}'></div>\n\n# {OTHER_TITLE} [[Back]](#toc)\n\n"
        yield from (listed_line(e) for e in listed)


def listed_entries(entries: Iterable[Entry]) -> list[Entry]:
    """The papers listed unsummarized at the end of a digest, best score first (ties: hand-over order)."""
    listed = [e for e in entries if listed_only(e)]
    return sorted(listed, key=lambda e: -float((e.extra.get("rank") or {}).get("score") or 0))


def render_digest(entries: Sequence[Entry], categories: Sequence[str] | None = None) -> str:
    """The whole digest: table of contents, then one section per category with papers (and the papers
    a reader's ranking listed unsummarized, at the end)."""
    sections = group_by_section(entries, categories)
    counts = [(cat, len(items)) for cat, items in sections]
    return "".join(digest_chunks(counts, (e for _, items in sections for e in items), listed_entries(entries)))
