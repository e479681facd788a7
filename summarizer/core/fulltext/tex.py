"""A paper's TeX source as sections of text, read by `pylatexenc`, a maintained LaTeX parser.

The main file is the one with `\\documentclass` and `\\begin{document}`; `\\input` and `\\include` are
inlined from the archive (a file that includes itself, directly or not, ends the reading with the
loop named; the inlined size is capped, so nested includes cannot multiply). Comments, the preamble
and the bibliography are dropped; macros expand only as far as pylatexenc knows them; math stays
as its LaTeX source; a table becomes rows of "cell | cell"; a figure leaves its caption.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pylatexenc.latex2text import LatexNodes2Text

from summarizer.core.errors import FullTextUnusable
from summarizer.core.fulltext.document import Document, Section, tidy

_MAX_INLINED = 20_000_000  # characters, all includes inlined: beyond this an archive is a trap, not a paper
_MAX_DEPTH = 20
_COMMENT = re.compile(r"(?<!\\)%.*")
_INCLUDE = re.compile(r"\\(?:input|include|subfile)\s*\{([^{}]+)\}|\\input\s+([^\s{}\\]+)")
_SECTION = re.compile(r"\\(section|subsection|subsubsection|paragraph)\*?\s*(?:\[[^\]]*\])?\s*\{")
_TABULAR = re.compile(r"\\begin\{(tabular\*?|tabularx|longtable|tblr)\}(.*?)\\end\{\1\}", re.S)
_FIGURE = re.compile(r"\\begin\{(figure\*?|wrapfigure)\}(.*?)\\end\{\1\}", re.S)
_DROP = re.compile(r"\\begin\{thebibliography\}.*?\\end\{thebibliography\}|\\bibliography\{[^}]*\}"
                   r"|\\printbibliography(?:\[[^\]]*\])?|\\bibliographystyle\{[^}]*\}", re.S)
_ENV_ABSTRACT = re.compile(r"\\begin\{abstract\}(.*?)\\end\{abstract\}", re.S)


def _text(files: Mapping[str, bytes], name: str) -> str:
    return files[name].decode("utf-8", errors="replace")


def main_file(files: Mapping[str, bytes]) -> str:
    """The file TeX is run on: the one that opens the document (the shortest name among several)."""
    tex = sorted((n for n in files if n.lower().endswith((".tex", ".ltx"))), key=lambda n: (n.count("/"), len(n), n))
    for name in tex:
        body = _COMMENT.sub("", _text(files, name))
        if "\\documentclass" in body and "\\begin{document}" in body:
            return name
    if len(files) == 1:
        return next(iter(files))
    raise FullTextUnusable("no main TeX file (none has \\documentclass and \\begin{document})", "tex")


def _resolve(files: Mapping[str, bytes], name: str) -> str | None:
    name = name.strip().removeprefix("./")
    for candidate in (name, name + ".tex"):
        if candidate in files:
            return candidate
    return None


def inline(files: Mapping[str, bytes], name: str, chain: tuple[str, ...] = ()) -> str:
    """`name` with its comments dropped and its includes inlined; FullTextUnusable on a loop or past the caps."""
    if name in chain:
        raise FullTextUnusable("\\input loop: " + " -> ".join((*chain, name)), "tex")
    if len(chain) >= _MAX_DEPTH:
        raise FullTextUnusable(f"includes nested deeper than {_MAX_DEPTH}", "tex")
    text = "\n".join(_COMMENT.sub("", line) for line in _text(files, name).splitlines())
    size = [len(text)]

    def include(match: re.Match[str]) -> str:
        found = _resolve(files, match.group(1) or match.group(2))
        if found is None:
            return ""  # a figure's .pdf_tex or a style left out of the archive: nothing to read
        inner = inline(files, found, (*chain, name))
        size[0] += len(inner)
        if size[0] > _MAX_INLINED:
            raise FullTextUnusable(f"includes expand past {_MAX_INLINED // 1_000_000} million characters", "tex")
        return inner

    return _INCLUDE.sub(include, text)


def _convert(to_text: LatexNodes2Text, latex: str) -> str:
    """pylatexenc's text of `latex`; a construct it trips on (an `\\href` missing an argument raised
    IndexError) gives the text with its macros stripped instead, so one odd macro costs one paragraph's polish."""
    try:
        return str(to_text.latex_to_text(latex))
    except (IndexError, ValueError, TypeError, RecursionError):
        return re.sub(r"[{}]", "", re.sub(r"\\[A-Za-z@]+\*?(?:\[[^\]]*\])?", " ", latex))


def _braced(text: str, start: int) -> tuple[str, int]:
    """The balanced {...} group opening at `start` - 1 (just after its "{"), and where it ends."""
    depth, i = 1, start
    while i < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0) if text[i - 1] != "\\" else 0
        i += 1
    return text[start: i - 1], i


def _table(body: str, to_text: LatexNodes2Text) -> str:
    rows = []
    for row in re.split(r"\\\\(?:\[[^\]]*\])?", body):
        row = re.sub(r"\\(?:hline|toprule|midrule|bottomrule|cline\{[^}]*\}|cmidrule(?:\([^)]*\))?\{[^}]*\})", "", row)
        cells = [" ".join(_convert(to_text, cell).split()) for cell in row.split("&")]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows[1:] if rows and rows[0].startswith("{") else rows)


def _body_text(latex: str, to_text: LatexNodes2Text) -> list[str]:
    tables: list[str] = []

    def keep_table(match: re.Match[str]) -> str:
        tables.append(_table(match.group(2), to_text))
        return f"\n\n@@TABLE{len(tables) - 1}@@\n\n"

    def keep_caption(match: re.Match[str]) -> str:
        found = re.search(r"\\caption\s*(?:\[[^\]]*\])?\s*\{", match.group(2))
        if not found:
            return "\n\n"
        caption, _ = _braced(match.group(2), found.end())
        return "\n\nFigure: " + caption + "\n\n"

    latex = _TABULAR.sub(keep_table, _FIGURE.sub(keep_caption, latex))
    paragraphs = []
    for block in re.split(r"\n\s*\n", _convert(to_text, latex)):
        table = re.fullmatch(r"\s*@@TABLE(\d+)@@\s*", block)
        text = tables[int(table.group(1))] if table else tidy(block)
        if text.strip():
            paragraphs.append(text)
    return paragraphs


def document_from_tex(files: Mapping[str, bytes]) -> Document:
    """The paper of an unpacked e-print, as sections; FullTextUnusable (one line) when it cannot be read."""
    source = inline(files, main_file(files))
    to_text = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)
    title = ""
    found = re.search(r"\\title\s*(?:\[[^\]]*\])?\s*\{", source)
    if found:
        title = " ".join(_convert(to_text, _braced(source, found.end())[0]).split())
    begin = source.find("\\begin{document}")
    end = source.rfind("\\end{document}")
    body = source[begin + len("\\begin{document}"): end if end > begin else None] if begin >= 0 else source
    body = _DROP.sub("", body)
    abstract = ""
    if abstract_match := _ENV_ABSTRACT.search(source):
        abstract = tidy(_convert(to_text, abstract_match.group(1)))
    elif macro := re.search(r"\\abstract\s*\{", source):  # A&A's and some classes' \abstract{...}
        abstract = tidy(_convert(to_text, _braced(source, macro.end())[0]))
    body = _ENV_ABSTRACT.sub("", re.sub(r"\\abstract\s*\{", "\\textbf{", body))
    sections: list[Section] = []
    heading, position = "", 0
    try:
        for match in _SECTION.finditer(body):
            if match.start() < position:
                continue
            chunk = body[position: match.start()]
            if heading or chunk.strip():
                sections.append(Section(heading=heading, paragraphs=_body_text(chunk, to_text)))
            raw, position = _braced(body, match.end())
            heading = " ".join(_convert(to_text, raw).split())
        sections.append(Section(heading=heading, paragraphs=_body_text(body[position:], to_text)))
    except (IndexError, ValueError, RecursionError) as exc:
        raise FullTextUnusable(f"the TeX could not be read ({type(exc).__name__})", "tex") from None
    sections = [s for s in sections if s.paragraphs]
    if not sections:
        raise FullTextUnusable("the TeX holds no text", "tex")
    return Document(title=title, abstract=abstract, sections=sections)
