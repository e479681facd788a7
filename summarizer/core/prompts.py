"""Prompt templates and the prompt version.

The templates are files in `prompts/` (shipped in the wheel as `summarizer.core.prompts`, read by
`edges.resources`); this module only fills them in. The version is a hash of the template texts
and the answer schema: it is part of every cache key, so editing a prompt invalidates exactly the
results it produced, and nothing else.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from string import Template
from typing import Any

from summarizer.core.models import SUMMARY_FIELDS

# The order the model writes the fields in (structured output follows the schema's order): the TL;DR
# last, as a synthesis of what it wrote. Written first, small models repeat it in Method or Conclusion
# (Qwen2.5-Coder-1.5B: 5 such repeats in 21 answers; with the TL;DR last, none in 14). The digest keeps
# its own order (SUMMARY_FIELDS).
ANSWER_ORDER: tuple[str, ...] = ("motivation", "method", "result", "conclusion", "tldr")
assert sorted(ANSWER_ORDER) == sorted(SUMMARY_FIELDS)

SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {name: {"type": "string"} for name in ANSWER_ORDER},
    "required": list(ANSWER_ORDER),
    "additionalProperties": False,
}


def with_string_pattern(schema: dict[str, Any], pattern: str) -> dict[str, Any]:
    """The schema with `pattern` on every string property (a decoding constraint, not part of the prompt version)."""
    properties = {name: {**spec, "pattern": pattern} if spec.get("type") == "string" else spec
                  for name, spec in schema.get("properties", {}).items()}
    return {**schema, "properties": properties}


@dataclass(frozen=True)
class PromptSet:
    """A system and a user template plus the JSON schema the answer must follow."""

    name: str
    system: str
    user: str
    schema: dict[str, Any]

    @classmethod
    def from_texts(cls, name: str, system: str, user: str, schema: dict[str, Any] | None = None) -> PromptSet:
        return cls(name=name, system=system, user=user, schema=schema if schema is not None else SUMMARY_SCHEMA)

    @property
    def version(self) -> str:
        blob = json.dumps([self.system, self.user, self.schema], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]

    def messages(self, **values: str) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": Template(self.system).safe_substitute(values).strip()},
            {"role": "user", "content": Template(self.user).safe_substitute(values).strip()},
        ]
