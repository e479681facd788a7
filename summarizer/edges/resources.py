"""The data shipped inside the package, read through `importlib.resources`.

Prompt templates live in the top-level `prompts/` folder and the demo's recordings in `fixtures/`,
where users see them; `pyproject.toml` maps both into the wheel (`summarizer.prompts`,
`summarizer.demo.recordings`), so an installed tool finds them wherever it runs, and an editable
install reads the very same files.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from summarizer.core.prompts import PromptSet

PROMPTS = "summarizer.prompts"
RECORDINGS = "summarizer.demo.recordings"


def data_file(package: str, *parts: str) -> Traversable:
    """A file shipped in `package` (a folder of the wheel)."""
    node = resources.files(package)
    for part in parts:
        node = node.joinpath(part)
    return node


def load_prompts(name: str = "summary", schema: dict[str, Any] | None = None) -> PromptSet:
    """The prompt set `name` from `<name>.system.txt` and `<name>.user.txt`."""
    folder = resources.files(PROMPTS)
    return PromptSet.from_texts(name, folder.joinpath(f"{name}.system.txt").read_text(encoding="utf-8"),
                                folder.joinpath(f"{name}.user.txt").read_text(encoding="utf-8"), schema)
