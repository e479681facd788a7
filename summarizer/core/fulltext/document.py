"""A paper's text as the summary needs it: title, abstract, and sections of paragraphs (tables as text)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field


class Section(BaseModel):
    model_config = ConfigDict(frozen=True)

    heading: str
    paragraphs: list[str] = Field(default_factory=list)  # a table is one paragraph of "cell | cell" rows


class Document(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str = ""
    abstract: str = ""
    sections: list[Section] = Field(default_factory=list)

    @property
    def words(self) -> int:
        return sum(len(p.split()) for s in self.sections for p in s.paragraphs)


_SPACE = re.compile(r"[ \t\r\f\v]+")


def tidy(text: str) -> str:
    """Runs of spaces as one, no blank edges: what every extracted paragraph goes through."""
    return "\n".join(line.strip() for line in _SPACE.sub(" ", text).splitlines() if line.strip())
