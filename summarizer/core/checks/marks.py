"""The gate's finding shown where the summary is read: an unsupported number is never published unmarked.

Each place a summary is published (the Markdown digest, its HTML twin, the email, the site) wraps
an unsupported number in an element of class `unsupported` whose title says it was not found in
the source; the Markdown digest carries the same element, so it reads back (`unmark`) with its marks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

from summarizer.core.models import Checks, NumberMark

NOT_FOUND = "not found in the source"
EMAIL_STYLE = "color:#b00020;border-bottom:1px dashed #b00020"
_SPAN = re.compile(r'<span class="unsupported" title="' + re.escape(NOT_FOUND) + r'">([^<]*)</span>')


def _marks(checks: Checks | None, field: str, text: str) -> list[NumberMark]:
    """This field's marks that still point at their number, in order, none overlapping."""
    if checks is None:
        return []
    found, end = [], -1
    for mark in sorted((m for m in checks.unsupported if m.field == field), key=lambda m: m.at):
        if mark.at >= end and text[mark.at: mark.at + len(mark.number)] == mark.number:
            found.append(mark)
            end = mark.at + len(mark.number)
    return found


def _rewrite(text: str, field: str, checks: Checks | None, quote: Callable[[str], str],
             mark: Callable[[str], str]) -> str:
    """`text` with each unsupported number of `field` through `mark`, the rest through `quote`."""
    out, position = [], 0
    for found in _marks(checks, field, text):
        out.append(quote(text[position: found.at]))
        out.append(mark(found.number))
        position = found.at + len(found.number)
    out.append(quote(text[position:]))
    return "".join(out)


def marked(text: str, field: str, checks: Checks | None, quote: Callable[[str], str] = escape, style: str = "") -> str:
    """`text` with each unsupported number of `field` wrapped; the rest through `quote` (HTML escaping, or
    none for the Markdown digest, whose field text goes in verbatim). `style`: inline, for email clients that drop
    a page's CSS."""
    attrs = f' style="{style}"' if style else ""
    return _rewrite(text, field, checks, quote,
                    lambda number: f'<span class="unsupported" title="{NOT_FOUND}"{attrs}>{quote(number)}</span>')


def verbatim(text: str) -> str:
    return text


def plain_marked(text: str, field: str, checks: Checks | None) -> str:
    """For plain text (an email's text part, a chat message): the number followed by a bracketed note."""
    return _rewrite(text, field, checks, verbatim, lambda number: f"{number} [{NOT_FOUND}]")


def unmark(text: str, field: str) -> tuple[str, list[NumberMark]]:
    """A Markdown digest field read back: its plain text and the marks its elements carried."""
    marks: list[NumberMark] = []
    plain: list[str] = []
    position, length = 0, 0
    for match in _SPAN.finditer(text):
        plain.append(text[position: match.start()])
        length += match.start() - position
        marks.append(NumberMark(field=field, number=match.group(1), at=length))
        plain.append(match.group(1))
        length += len(match.group(1))
        position = match.end()
    plain.append(text[position:])
    return "".join(plain), marks
