"""Regenerate summarizer/core/latex_names.py from a KaTeX source file (katex.mjs from the npm package).

Usage: python -m tests.make_latex_names path/to/katex.mjs
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "summarizer" / "core" / "latex_names.py"


def main(source: str) -> None:
    names = sorted({n for n in re.findall(r'"\\\\([A-Za-z]+)"', Path(source).read_text(encoding="utf-8"))
                    if n[0] in "bfnrtu" and len(n) > 1})
    body = textwrap.fill(" ".join(names), width=112, initial_indent="    ", subsequent_indent="    ")
    text = TARGET.read_text(encoding="utf-8")
    head = text[: text.index('AMBIGUOUS_COMMANDS = frozenset("""')]
    TARGET.write_text(head + f'AMBIGUOUS_COMMANDS = frozenset("""\n{body}\n""".split())\n', encoding="utf-8")
    print(f"{len(names)} names written to {TARGET}")


if __name__ == "__main__":
    main(sys.argv[1])
