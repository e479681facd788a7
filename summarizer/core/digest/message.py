"""A day's digest as a message: an email (subject, text part, HTML part) and a short chat message.

Pure functions over the day's entries. The email lists every summarized paper, in the reader's
order when the day was ranked and by category otherwise, each with its title linked to arXiv, its
TL;DR, and a link to that day on the site. The HTML part carries inline styles only, no remote
image, and sets no background, so mail clients' dark modes keep it readable. The chat message is
short (the day, the count, the top titles with links, the site link) and split at line
boundaries where a service limits length.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from summarizer.core.checks.marks import EMAIL_STYLE, marked, plain_marked
from summarizer.core.digest.render import order_categories
from summarizer.core.models import Entry, safe_abs_url


@dataclass(frozen=True)
class DigestMessage:
    subject: str
    text: str
    html: str


def day_link(site_url: str | None, day: str) -> str | None:
    return f"{site_url.rstrip('/')}/index.html?date={day}" if site_url else None


def in_reading_order(entries: Sequence[Entry], categories: Sequence[str]) -> tuple[list[Entry], bool]:
    """Summarized papers: by score when the day was ranked for a reader (True), else by category as in the digest."""
    shown = [e for e in entries if e.summary is not None]
    scores = [(e.extra.get("rank") or {}).get("score") for e in shown]
    if shown and all(isinstance(s, int | float) for s in scores):
        return sorted(shown, key=lambda e: -float(e.extra["rank"]["score"])), True
    order = order_categories((e.paper.primary_category for e in shown), categories)
    position = {c: i for i, c in enumerate(order)}
    return sorted(shown, key=lambda e: position[e.paper.primary_category]), False


def digest_message(day: str, entries: Sequence[Entry], categories: Sequence[str], site_url: str | None,
                   title: str = "arXiv digest") -> DigestMessage:
    papers, ranked = in_reading_order(entries, categories)
    link = day_link(site_url, day)
    subject = f"{title} {day} · {len(papers)} papers"
    text_lines = [subject, ""] + ([f"On the site: {link}", ""] if link else [])
    html_parts = ['<!DOCTYPE html><html><head><meta charset="utf-8">'
                  '<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" '
                  'content="light dark"></head><body style="font-family:-apple-system,Segoe UI,PingFang SC,'
                  'Noto Sans CJK SC,sans-serif;line-height:1.5;max-width:48rem;margin:0 auto;padding:8px">',
                  f'<h1 style="font-size:20px;margin:0 0 8px">{escape(subject)}</h1>']
    if link:
        html_parts.append(f'<p style="margin:0 0 16px"><a href="{escape(link)}">{escape(link)}</a></p>')
    section = None
    for number, entry in enumerate(papers, start=1):
        p, s = entry.paper, entry.summary
        assert s is not None
        url = safe_abs_url(p) or ""
        if not ranked and p.primary_category != section:
            section = p.primary_category
            text_lines += [f"== {section} ==", ""]
            html_parts.append(f'<h2 style="font-size:17px;margin:20px 0 8px">{escape(section)}</h2>')
        why = (entry.extra.get("rank") or {}).get("why") if ranked else None
        tldr = plain_marked(s.tldr, "tldr", entry.checks)
        text_lines += [f"[{number}] {p.title}", url, f"TL;DR: {tldr}"] + ([f"({why})"] if why else []) + [""]
        html_parts.append(
            f'<p style="margin:0 0 14px"><b>[{number}]</b> <a href="{escape(url)}">{escape(p.title)}</a><br>'
            + (f'<i style="opacity:.8">{escape(str(why))}</i><br>' if why else "")
            + f"{marked(s.tldr, 'tldr', entry.checks, style=EMAIL_STYLE)}</p>")
    if link:
        text_lines.append(f"Every paper of the day, with details: {link}")
    html_parts.append("</body></html>")
    return DigestMessage(subject=subject, text="\n".join(text_lines).rstrip() + "\n", html="".join(html_parts) + "\n")


def chat_message(day: str, entries: Sequence[Entry], categories: Sequence[str], site_url: str | None, top: int,
                 title: str = "arXiv digest") -> tuple[str, str]:
    """(title, body) of the short message: the count, the top titles with links, the site link."""
    papers, _ = in_reading_order(entries, categories)
    head = f"{title} {day} · {len(papers)} papers"
    lines = [f"{n}. {e.paper.title} {safe_abs_url(e.paper) or ''}".rstrip() for n, e in enumerate(papers[:top], 1)]
    if len(papers) > top:
        lines.append(f"… and {len(papers) - top} more")
    link = day_link(site_url, day)
    if link:
        lines.append(link)
    return head, "\n".join(lines)


def message_id(day: str, channel: str, sender: str, generation: int = 0) -> str:
    """The same Message-ID every time `day` goes to `channel` (a resend after a lost connection is then one
    message to the reader's client); `deliver --resend` makes a new generation, a new message."""
    domain = sender.rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(f"{day}\0{channel}\0{sender}\0{generation}".encode()).hexdigest()[:20]
    return f"<summarizer.{day}.{digest}@{domain}>"


def piece_limits(body_maxlen: int, title_maxlen: int, max_lines: int, title: str) -> tuple[int | None, int | None]:
    """How long a piece of the body may be, in characters and lines, for a service with these limits.

    A service without a title of its own (title_maxlen <= 0: Telegram, WeCom, Twilio) gets the title
    merged into the body as `title\r\n` by Apprise, so the title and its line break count too."""
    merged = title_maxlen <= 0 and bool(title)
    chars = body_maxlen - (len(title) + 2 if merged else 0) if body_maxlen > 0 else None
    lines = max_lines - (1 if merged else 0) if max_lines > 0 else None
    return (max(chars, 1) if chars is not None else None), (max(lines, 1) if lines is not None else None)


def split_message(body: str, limit: int | None, max_lines: int | None = None) -> list[str]:
    """`body` in pieces of at most `limit` characters and `max_lines` lines, cut between lines (a longer line
    alone is cut)."""
    lines_of = body.split("\n")
    if (not limit or len(body) <= limit) and (not max_lines or len(lines_of) <= max_lines):
        return [body]
    limit = limit or len(body)
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines_of:
        while len(line) > limit:
            if current:
                pieces.append("\n".join(current))
                current, size = [], 0
            pieces.append(line[:limit])
            line = line[limit:]
        grown = size + len(line) + (1 if current else 0)
        if current and (grown > limit or (max_lines and len(current) >= max_lines)):
            pieces.append("\n".join(current))
            current, size = [], 0
            grown = len(line)
        current.append(line)
        size = grown
    if current and any(current):
        pieces.append("\n".join(current))
    return pieces
