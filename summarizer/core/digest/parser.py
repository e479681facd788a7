"""Digest Markdown back into entries: the inverse of `render.render_digest`.

Users bring years of digests written by the tool they run today. Reading them back must lose
nothing, so every field is taken verbatim between the fixed markers of the format, and anything
the renderer could not reproduce (a wrong count, a skipped number, a missing field) is an error
naming the line rather than a silently different file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from summarizer.core.checks.gate import CHECKED_FIELDS
from summarizer.core.checks.marks import unmark
from summarizer.core.digest.render import OTHER_ANCHOR, OTHER_TITLE
from summarizer.core.errors import DigestFormatError, InvalidPaperIdError
from summarizer.core.models import Checks, Entry, NumberMark, Paper, Summary, parse_arxiv_id

_TOC_LINE = re.compile(r"- \[(?P<cat>[^\]\n]+)\]\(#(?P<anchor>[^)\n]*)\) \[Total: (?P<n>\d+)\]")
_SECTION_DIV = re.compile(r"<div id='(?P<cat>[^'\n]+)'></div>")
_TITLE = re.compile(r"### \[(?P<i>\d+)\] \[(?P<title>.*)\]\((?P<url>[^()\s]*)\)")
_AUTHORS = re.compile(r"\*(?P<authors>.*)\*")
_LISTED = re.compile(r"- \[(?P<title>.*)\]\((?P<url>[^()\s]*)\) · \*(?P<authors>.*)\* · (?P<cat>\S+) · "
                     r"score (?P<score>-?[0-9]+\.[0-9]+)(?: · (?P<why>.*))?")
_DETAILS_OPEN = ["", "", "<details>", "  <summary>Details</summary>"]


class _Lines:
    """A cursor over the file's lines; positions are 0-based, messages 1-based."""

    def __init__(self, lines: list[str], path: str | None) -> None:
        self.lines = lines
        self.pos = 0
        self.path = path

    def error(self, message: str, pos: int | None = None) -> DigestFormatError:
        return DigestFormatError(message, line=(self.pos if pos is None else pos) + 1, path=self.path)

    def at_end(self) -> bool:
        return self.pos >= len(self.lines)

    def get(self, pos: int) -> str | None:
        return self.lines[pos] if pos < len(self.lines) else None

    def take(self, what: str) -> str:
        if self.at_end():
            raise self.error(f"file ends early: expected {what} (truncated file?)")
        line = self.lines[self.pos]
        self.pos += 1
        return line

    def literal(self, expected: str) -> None:
        line = self.take(repr(expected))
        if line != expected:
            raise self.error(f"expected {expected!r}, found {_show(line)}", self.pos - 1)

    def match(self, pattern: re.Pattern[str], what: str) -> re.Match[str]:
        line = self.take(what)
        found = pattern.fullmatch(line)
        if not found:
            raise self.error(f"expected {what}, found {_show(line)}", self.pos - 1)
        return found

    def field(self, label: str, ends_here: Callable[[int], bool], context: str) -> str:
        """Text after `label` up to the first line where `ends_here` holds; may span lines."""
        start = self.pos
        first = self.take(repr(label))
        if not first.startswith(label):
            raise self.error(f"{context}: expected {label!r}, found {_show(first)}", start)
        value = [first[len(label) :]]
        while not ends_here(self.pos):
            line = self.get(self.pos)
            if line is None or line == "</details>":
                raise self.error(f"{context}: the field starting with {label!r} is not followed by the "
                                 "next field of the format (missing field or truncated file?)", start)
            value.append(line)
            self.pos += 1
        return "\n".join(value)

    def starts(self, pos: int, expected: Sequence[str], next_prefix: str | None) -> bool:
        """Do the lines at `pos` equal `expected`, followed by a line starting with `next_prefix`?"""
        for offset, text in enumerate(expected):
            if self.get(pos + offset) != text:
                return False
        if next_prefix is None:
            return True
        following = self.get(pos + len(expected))
        return following is not None and following.startswith(next_prefix)


def _show(line: str) -> str:
    return repr(line if len(line) <= 60 else line[:57] + "...")


def _paper_from_heading(title: str, url: str, authors: str, category: str, abstract: str) -> Paper:
    try:
        paper_id, version = parse_arxiv_id(url)
        pdf: str | None = f"https://arxiv.org/pdf/{paper_id}"
    except InvalidPaperIdError:
        # A link that is not arXiv's is kept as it is rather than refused: nothing is lost.
        paper_id, version, pdf = url.rstrip("/").rsplit("/", 1)[-1] or url, None, None
    return Paper(
        id=paper_id,
        version=version,
        title=title,
        authors=authors.split(",") if authors else [],
        abstract=abstract,
        primary_category=category,
        categories=[category],
        abs_url=url,
        pdf_url=pdf,
    )


def _blank_then(cur: _Lines, next_label: str) -> Callable[[int], bool]:
    return lambda pos: cur.starts(pos, [""], next_label)


def _abstract_ends(cur: _Lines) -> Callable[[int], bool]:
    def ends(pos: int) -> bool:
        if not cur.starts(pos, ["", "</details>"], None):
            return False
        after = pos + 2
        return (
            after == len(cur.lines)
            or cur.starts(after, ["", ""], "### [")
            or cur.starts(after, ["", ""], "<div id='")
        )

    return ends


def _parse_paper(cur: _Lines, index: int, category: str) -> Entry:
    heading_pos = cur.pos
    heading = cur.match(_TITLE, "a paper heading '### [N] [Title](URL)'")
    context = f"paper [{heading['i']}]"
    if int(heading["i"]) != index:
        raise cur.error(f"paper number [{heading['i']}] out of sequence: expected [{index}]", heading_pos)
    authors = cur.match(_AUTHORS, f"{context}: the author line '*A,B*'")["authors"]
    cur.literal("")
    main_pos = cur.pos
    main = cur.take("'Main category: ...'")
    if main != f"Main category: {category}":
        raise cur.error(f"{context}: expected 'Main category: {category}' (its section), found {_show(main)}",
                        main_pos)
    cur.literal("")
    tldr = cur.field("TL;DR: ", lambda p: cur.starts(p, _DETAILS_OPEN, "Motivation: "), context)
    cur.pos += len(_DETAILS_OPEN)
    fields = {"tldr": tldr}
    labels = [("motivation", "Motivation: "), ("method", "Method: "), ("result", "Result: "),
              ("conclusion", "Conclusion: ")]
    nexts = [label for _, label in labels[1:]] + ["Abstract: "]
    for (name, label), nxt in zip(labels, nexts, strict=True):
        fields[name] = cur.field(label, _blank_then(cur, nxt), context)
        cur.pos += 1
    abstract = cur.field("Abstract: ", _abstract_ends(cur), context)
    cur.pos += 2
    paper = _paper_from_heading(heading["title"], heading["url"], authors, category, abstract)
    marks: list[NumberMark] = []
    for name in CHECKED_FIELDS:  # the gate's marks read back with their numbers, so a rewrite keeps them
        fields[name], found = unmark(fields[name], name)
        marks += found
    return Entry(paper=paper, summary=Summary(**fields), checks=Checks(unsupported=marks) if marks else None)


def parse_digest(text: str, path: str | None = None) -> list[Entry]:
    """Read a digest back into entries in file order (sections in the file's order)."""
    if not text.endswith("\n"):
        last = text.count("\n") + 1
        raise DigestFormatError("the file does not end with a newline (truncated file?)", line=last, path=path)
    cur = _Lines(text[:-1].split("\n"), path)
    for expected in ("<div id=toc></div>", "", "# Table of Contents", ""):
        cur.literal(expected)
    toc: list[tuple[str, int, int]] = []
    listed = 0
    while (line := cur.get(cur.pos)) is not None and line.startswith("- ["):
        found = cur.match(_TOC_LINE, "a contents line '- [CAT](#CAT) [Total: N]'")
        if (found["cat"], found["anchor"]) == (OTHER_TITLE, OTHER_ANCHOR) and not listed:
            listed = int(found["n"])
            continue
        if found["anchor"] != found["cat"] or listed:
            raise cur.error(f"contents line links #{found['anchor']} for {found['cat']}", cur.pos - 1)
        toc.append((found["cat"], int(found["n"]), cur.pos - 1))
    entries: list[Entry] = []
    for category, total, toc_pos in toc:
        cur.literal("")
        cur.literal("")
        section_pos = cur.pos
        div = cur.match(_SECTION_DIV, f"the section start <div id='{category}'></div>")
        if div["cat"] != category:
            raise cur.error(f"section {div['cat']!r} where the contents list {category!r} next", section_pos)
        cur.literal("")
        cur.literal(f"# {category} [[Back]](#toc)")
        cur.literal("")
        count = 0
        while True:
            entries.append(_parse_paper(cur, len(entries) + 1, category))
            count += 1
            if not cur.starts(cur.pos, ["", ""], "### ["):
                break
            cur.pos += 2
        if count != total:
            raise cur.error(f"contents say {category} has {total} papers, its section has {count}", toc_pos)
    if listed:
        entries += _parse_listed(cur, listed)
    if not cur.at_end():
        raise cur.error(f"unexpected text after the last section: {_show(cur.lines[cur.pos])}")
    return entries


def _parse_listed(cur: _Lines, total: int) -> list[Entry]:
    """The last section a reader's ranking adds: one line per paper it left unsummarized."""
    for expected in ("", "", f"<div id='{OTHER_ANCHOR}'></div>", "", f"# {OTHER_TITLE} [[Back]](#toc)", ""):
        cur.literal(expected)
    found = []
    for _ in range(total):
        line = cur.match(_LISTED, "a listed paper '- [Title](URL) · *A,B* · CAT · score S'")
        paper = _paper_from_heading(line["title"], line["url"], line["authors"], line["cat"], "")
        rank: dict[str, object] = {"score": float(line["score"]), "summarized": False}
        if line["why"]:
            rank["why"] = line["why"]
        found.append(Entry(paper=paper, summary=None, extra={"rank": rank}))
    return found


def decode_digest(data: bytes, path: str | None = None) -> str:
    """UTF-8 text of a digest file, or an error naming the line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DigestFormatError(f"not UTF-8 text (byte 0x{data[exc.start]:02x})", line=line, path=path) from None
