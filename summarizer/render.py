"""Entries in, digest Markdown out: the format users keep years of, byte for byte.

Pure functions only. Field text goes in verbatim (the stages that create records strip it),
so whatever `digest_parser` reads back renders to the very same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from summarizer.models import Entry

TOC_HEADER = "<div id=toc></div>\n\n# Table of Contents\n\n"


def section_order(entries: Iterable[Entry], categories: Sequence[str] | None = None) -> list[str]:
    """Configured categories first (in their order), then the others alphabetically.

    Without a configuration, sections follow the order in which categories first appear.
    Categories without papers get no section.
    """
    present = list(dict.fromkeys(e.paper.primary_category for e in entries))
    if categories is None:
        return present
    configured = [c for c in dict.fromkeys(categories) if c in present]
    return configured + sorted(c for c in present if c not in configured)


def group_by_section(
    entries: Sequence[Entry], categories: Sequence[str] | None = None
) -> list[tuple[str, list[Entry]]]:
    """Sections in display order, each with its entries in the order they were handed over."""
    groups: dict[str, list[Entry]] = {cat: [] for cat in section_order(entries, categories)}
    for entry in entries:
        groups[entry.paper.primary_category].append(entry)
    return list(groups.items())


def render_entry(entry: Entry, index: int) -> str:
    p, s = entry.paper, entry.summary
    return (
        f"### [{index}] [{p.title}]({p.abs_url})\n"
        f"*{','.join(p.authors)}*\n"
        f"\n"
        f"Main category: {p.primary_category}\n"
        f"\n"
        f"TL;DR: {s.tldr}\n"
        f"\n"
        f"\n"
        f"<details>\n"
        f"  <summary>Details</summary>\n"
        f"Motivation: {s.motivation}\n"
        f"\n"
        f"Method: {s.method}\n"
        f"\n"
        f"Result: {s.result}\n"
        f"\n"
        f"Conclusion: {s.conclusion}\n"
        f"\n"
        f"Abstract: {p.abstract}\n"
        f"\n"
        f"</details>\n"
    )


def render_digest(entries: Sequence[Entry], categories: Sequence[str] | None = None) -> str:
    """The whole digest: table of contents, then one section per category with papers."""
    sections = group_by_section(entries, categories)
    parts = [TOC_HEADER]
    parts.extend(f"- [{cat}](#{cat}) [Total: {len(items)}]\n" for cat, items in sections)
    index = 0
    for cat, items in sections:
        parts.append(f"\n\n<div id='{cat}'></div>\n\n# {cat} [[Back]](#toc)\n\n")
        blocks = []
        for entry in items:
            index += 1
            blocks.append(render_entry(entry, index))
        parts.append("\n\n".join(blocks))
    return "".join(parts)
