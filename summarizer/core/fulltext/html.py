"""arXiv's HTML of a paper (LaTeXML's output) as sections of text, parsed by lxml and never run.

Kept: the title, section headings, paragraphs, figure and table captions, table cells as rows of
"cell | cell", and math as its LaTeX source (LaTeXML's `alttext`). Dropped: the bibliography,
navigation, headers and footers, styling, and anything active (scripts, frames, forms); a page
that carried scripts says so in a note. A page that is not LaTeXML's is read by its headings and
paragraphs.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree, html

from summarizer.core.errors import FullTextUnusable
from summarizer.core.fulltext.document import Document, Section, tidy

_ACTIVE = ("script", "style", "noscript", "iframe", "frame", "object", "embed", "form", "template", "svg",
           "button", "input", "select", "textarea")
_CHROME = ("nav", "header", "footer", "aside")
_DROP_CLASSES = ("ltx_bibliography", "ltx_page_header", "ltx_page_footer", "ltx_page_logo", "ltx_authors",
                 "ltx_dates", "ltx_TOC", "ltx_pagination", "ltx_role_navigation", "ar5iv-footer")
_SECTIONS = ("ltx_section", "ltx_subsection", "ltx_subsubsection", "ltx_appendix", "ltx_chapter")
_BLOCKS = ("p", "li", "dd", "blockquote", "pre")


def _classes(node: etree._Element) -> set[str]:
    return set((node.get("class") or "").split())


def _text(node: etree._Element) -> str:
    return tidy(" ".join(node.itertext()))


def _clean(root: etree._Element) -> int:
    """Take out what is active or chrome; math becomes its LaTeX source. Returns how many scripts there were."""
    scripts = len(root.xpath("//script"))
    for node in root.xpath("//" + " | //".join(_ACTIVE + _CHROME)):
        node.drop_tree()
    for name in _DROP_CLASSES:
        for node in root.xpath(f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"):
            node.drop_tree()
    for node in root.xpath("//*[local-name()='math']"):
        tex = node.get("alttext")
        replacement = etree.Element("span")
        replacement.text = f" ${tex}$ " if tex else " "
        replacement.tail = node.tail
        node.getparent().replace(node, replacement)
    for node in root.xpath("//*[contains(@class, 'ltx_tag')]"):  # "1.2 " before a heading, "(3)" beside an equation
        node.drop_tree()
    return scripts


def _table(node: etree._Element) -> str:
    rows = [" | ".join(tidy(" ".join(cell.itertext())) for cell in row.xpath("./th | ./td"))
            for row in node.xpath(".//tr")]
    caption = node.xpath(".//figcaption | .//caption")
    lines = ([f"Table: {_text(caption[0])}"] if caption else []) + [r for r in rows if r.strip(" |")]
    return "\n".join(lines)


def _paragraphs(section: etree._Element) -> Iterator[str]:
    """The section's own text, in order, not its subsections'."""
    for node in section:
        if not isinstance(node.tag, str):
            continue
        classes = _classes(node)
        if node.tag == "section" or classes & set(_SECTIONS):
            continue
        if node.tag in ("h1", "h2", "h3", "h4", "h5", "h6") and "ltx_title" in classes:
            continue
        if node.tag == "figure" or "ltx_table" in classes:
            if node.xpath(".//table"):
                yield _table(node)
            elif caption := node.xpath(".//figcaption"):
                yield "Figure: " + _text(caption[0])
            continue
        if node.tag == "table":
            yield _table(node)
            continue
        if "ltx_para" in classes or node.tag in _BLOCKS:
            if text := _text(node):
                yield text
            continue
        yield from _paragraphs(node)


def _heading(section: etree._Element) -> str:
    found = section.xpath("./*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]")
    return _text(found[0]) if found else ""


def _latexml(root: etree._Element) -> Document | None:
    sections = [node for node in root.iter("section") if _classes(node) & set(_SECTIONS)]
    if not sections:
        return None
    title = root.xpath("//h1[contains(@class, 'ltx_title_document')]")
    abstract = root.xpath("//div[contains(@class, 'ltx_abstract')]")
    abstract_text = ""
    if abstract:
        for heading in abstract[0].xpath(".//h6 | .//h2 | .//h3"):
            heading.drop_tree()
        abstract_text = _text(abstract[0])
    found = [Section(heading=_heading(s), paragraphs=[p for p in _paragraphs(s) if p]) for s in sections]
    return Document(title=_text(title[0]) if title else "", abstract=abstract_text,
                    sections=[s for s in found if s.paragraphs])


def _generic(root: etree._Element) -> Document:
    """A page that is not LaTeXML's: sections at its h2/h3 headings, paragraphs from its blocks."""
    body = root.find("body") if root.find("body") is not None else root
    sections: list[Section] = []
    heading, paragraphs = "", list[str]()
    for node in body.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag in ("h1", "h2", "h3"):
            if paragraphs:
                sections.append(Section(heading=heading, paragraphs=paragraphs))
            heading, paragraphs = _text(node), []
        elif node.tag in _BLOCKS and (text := _text(node)):
            paragraphs.append(text)
        elif node.tag == "table":
            paragraphs.append(_table(node))
    if paragraphs:
        sections.append(Section(heading=heading, paragraphs=paragraphs))
    title = root.find(".//title")
    return Document(title=_text(title) if title is not None else "", sections=sections)


def document_from_html(data: bytes) -> tuple[Document, list[str]]:
    """The paper of an HTML page, and notes on what was dropped; FullTextUnusable when it holds no text."""
    parser = html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True)
    try:
        root = html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise FullTextUnusable(f"not readable HTML ({exc})", "html") from None
    scripts = _clean(root)
    document = _latexml(root) or _generic(root)
    if document.words < 50:
        raise FullTextUnusable("the page holds no paper text", "html")
    notes = [f"dropped {scripts} <script> element(s) of the page, never run"] if scripts else []
    return document, notes
