"""What a real small model writes from a paper's full text: five of the fixture papers, through the product's code.

    ../shared/tools/real-llm.sh start 8080          # Qwen2.5-Coder-1.5B-Instruct, 4k context (see its header)
    python benchmarks/bench_fulltext.py [--base-url http://127.0.0.1:8080/v1] [--budget 3000]

Each paper is read from its LaTeXML HTML (fixtures/fulltext), selected within `--budget` input tokens
(the prompt included, as `[llm] max_input_tokens` does for a 4k-context model), summarized by
`Summarizer.ask` (validation, re-asks, the faithfulness gate's one re-ask) and checked as `entry()` checks
it. It prints per paper: valid or not, input tokens, the numbers of Result, which of them come from the
body and not the abstract, the unsupported ones and whether each is marked in the HTML digest. Kept out of
`make test`: a paper takes a minute or more on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_real_model import served_model  # noqa: E402
from summarizer.core.checks.gate import SourceIndex, source_text  # noqa: E402
from summarizer.core.checks.marks import NOT_FOUND  # noqa: E402
from summarizer.core.checks.numbers import numbers_in  # noqa: E402
from summarizer.core.digest.html import render_html  # noqa: E402
from summarizer.core.fulltext.html import document_from_html  # noqa: E402
from summarizer.core.fulltext.select import select_text  # noqa: E402
from summarizer.core.models import Paper, SourceText  # noqa: E402
from summarizer.core.settings import LLMSettings, PathSettings, Settings  # noqa: E402
from summarizer.edges.llm.pacing import count_tokens  # noqa: E402
from summarizer.edges.storage.cache import SummaryCache  # noqa: E402
from summarizer.jobs.services import Services  # noqa: E402
from summarizer.jobs.summaries.summarizer import Summarizer  # noqa: E402

# two experimental papers with results tables (cs.CL, astro-ph.IM), a statistics paper with simulations, a
# proof and a software paper: what a reader's morning holds
PAPERS = {"2503.17247": "cs.CL", "1703.09710": "astro-ph.IM", "1410.2597": "stat.ME", "2405.16513": "math.SG",
          "1801.02634": "astro-ph.IM"}
CATEGORIES = {p["id"]: p["primary"] for p in json.loads((ROOT / "fixtures" / "fulltext" / "papers.json").read_text())}


async def one(summarizer: Summarizer, paper_id: str, category: str, budget: int) -> dict[str, object]:
    doc, _ = document_from_html(gzip.decompress((ROOT / "fixtures" / "fulltext" / paper_id / "paper.html.gz")
                                                .read_bytes()))
    paper = Paper(id=paper_id, title=doc.title, abstract=doc.abstract, primary_category=category,
                  abs_url=f"https://arxiv.org/abs/{paper_id}")
    model = summarizer.settings.llm.model
    prompt = sum(count_tokens(m["content"], model) for m in summarizer.engine.messages(paper, ""))
    chosen = select_text(doc, paper.abstract, budget - prompt, lambda t: count_tokens(t, model))
    seen = SourceText(kind="html", text=chosen.text, tokens=prompt + chosen.tokens)
    began = time.monotonic()
    try:
        answer = await summarizer.ask(paper, seen)
    except Exception as exc:  # noqa: BLE001 - the benchmark reports it
        return {"id": paper_id, "valid": False, "error": str(exc)[:200], "input_tokens": seen.tokens}
    entry = summarizer.entry(paper, answer.value, "2026-12-04", seen)
    assert entry.checks is not None and entry.summary is not None
    abstract_only = SourceIndex.of(source_text(paper.title, paper.abstract))
    result_numbers = numbers_in(entry.summary.result)
    from_body = [n.text for n in result_numbers if not n.named and abstract_only.find(n) is None
                 and not any(m.number == n.text for m in entry.checks.unsupported)]  # "64k" of "kl3m-003-64k": a name
    page = render_html([entry])
    unmarked = [m.number for m in entry.checks.unsupported
                if f'title="{NOT_FOUND}">{m.number}</span>' not in page]
    return {"id": paper_id, "valid": True, "attempts": answer.attempts, "seconds": round(time.monotonic() - began),
            "input_tokens": seen.tokens, "result": entry.summary.result,
            "result_numbers": [n.text for n in result_numbers],
            "from_body": from_body, "unsupported": [f"{m.number} ({m.field})" for m in entry.checks.unsupported],
            "unmarked": unmarked}


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", default="http://127.0.0.1:8080/v1")
    ap.add_argument("--budget", type=int, default=3000, help="max_input_tokens (default 3000: a 4k-context model)")
    ap.add_argument("--papers", nargs="+", choices=sorted(CATEGORIES), default=list(PAPERS),
                    help="fixture papers to summarize (default: the five above)")
    args = ap.parse_args()
    model = served_model(args.base_url)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(llm=LLMSettings(base_url=args.base_url, api_key="no-key-needed", model=model,
                                            language="Chinese", max_concurrency=1, timeout_seconds=900,
                                            max_tokens=900, max_tokens_ceiling=1000, max_input_tokens=args.budget),
                            paths=PathSettings(cache_dir=f"{tmp}/cache", output_dir=f"{tmp}/out"))
        async with httpx.AsyncClient() as http:
            cache = SummaryCache(Path(tmp))
            summarizer = Summarizer(settings, Services(arxiv_http=http), cache)
            rows = []
            for pid in args.papers:
                rows.append(await one(summarizer, pid, PAPERS.get(pid, CATEGORIES[pid]), args.budget))
                print(rows[-1], flush=True)  # a paper takes minutes: each as it comes
            usage = summarizer.client.usage
            await summarizer.client.close()
            cache.close()
    valid = sum(1 for r in rows if r["valid"])
    with_body = sum(1 for r in rows if r.get("from_body"))
    unmarked = sum(len(r.get("unmarked") or []) for r in rows)  # type: ignore[arg-type]
    print(f"model {model}, budget {args.budget} input tokens: {valid}/{len(rows)} valid; {with_body}/{len(rows)} "
          f"Results hold a number from the body that the abstract does not state; {unmarked} unsupported numbers "
          f"unmarked; {usage.requests} requests, re-asks {dict(usage.reasks)}")


if __name__ == "__main__":
    asyncio.run(main())
