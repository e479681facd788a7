"""Scores with reasons, the choice of what to summarize, nearest neighbours; the profile's sources."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.core.errors import ConfigError, EmbeddingError
from summarizer.core.models import Entry, Paper
from summarizer.core.ranking import (
    ProfileItem,
    Ranked,
    author_hits,
    choose,
    distinct_items,
    embedding_relevance,
    excluded_by,
    keyword_hits,
    lexical_relevance,
    nearest,
    rank,
    unit_rows,
)
from summarizer.core.settings import EmbeddingSettings, LLMSettings
from summarizer.edges.ranking.embeddings import EmbeddingCache, OpenAIEmbedder, embed_cached
from summarizer.edges.ranking.profile_sources import file_items, load_profile_file


def paper(pid: str, title: str, abstract: str = "", authors: tuple[str, ...] = ()) -> Paper:
    return Paper(id=pid, title=title, abstract=abstract, authors=list(authors), primary_category="cs.IR",
                 categories=["cs.IR"], abs_url=f"https://arxiv.org/abs/{pid}")


def test_reasons_name_what_weighed_most(sample_entries: list[Entry]) -> None:
    papers = [paper("2512.00001", "Dense retrieval at scale", authors=("Yann LeCun", "A B")),
              paper("2512.00002", "Graph retrieval", "retrieval for graphs"),
              paper("2512.00003", "Robot hands")]
    items = [ProfileItem("Robots that grasp", "robots"), ProfileItem("Graphs", "graphs")]
    sims = np.array([[0.1, 0.2], [0.2, 0.6], [0.9, 0.1]], dtype=np.float32)
    ranked = rank(papers, items, lexical_relevance(sims, np.ones(2, dtype=np.float32)), ["retrieval"], ["yann lecun"])
    why = {r.id: r.why for r in ranked}
    assert why == {"2512.00001": "author: yann lecun", "2512.00002": "keyword: retrieval",
                   "2512.00003": "like: Robots that grasp"}
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    assert all(r.match == (r.id != "2512.00003") for r in ranked)


def test_a_like_reason_names_the_rarest_words_the_two_papers_share() -> None:
    papers = [paper("2512.00001", "Reranking passages for dense retrieval", "We rerank passages with a model."),
              paper("2512.00002", "Dense models for vision", "A model of images."),
              paper("2512.00003", "Dense graph models", "Graphs and models.")]
    items = [ProfileItem("ColBERT", "Late interaction reranking of passages for retrieval with dense models")]
    sims = np.array([[0.9], [0.2], [0.1]], dtype=np.float32)
    why = {r.id: r.why for r in rank(papers, items, lexical_relevance(sims, np.ones(1, dtype=np.float32)), [], [])}
    # "dense" and "models" are in every paper of the day: they tell the reader nothing
    assert why["2512.00001"] == "like: ColBERT · passages, reranking"
    assert why["2512.00002"] == "like: ColBERT"


def test_embedding_relevance_removes_what_the_whole_day_shares() -> None:
    # Ten papers of the day share axis 0; one is about axis 1, as is the profile, which also holds one generic
    # favourite. The nearest profile item puts a generic paper first; the profile centroid minus the day's
    # centroid puts the topical one first.
    rng = np.random.default_rng(0)
    generic = np.column_stack([np.ones(10), rng.uniform(0, 0.05, 10), rng.uniform(0, 0.2, 10)])
    papers = unit_rows(np.vstack([generic, [[0.7, 0.7, 0.0]]]).astype(np.float32))
    items = unit_rows(np.array([[0.8, 0.6, 0.0], [1.0, 0.0, 0.0]], dtype=np.float32))
    relevance = embedding_relevance(papers, items, np.ones(2, dtype=np.float32))
    assert int(np.argmax(relevance.score)) == 10 and int(np.argmax((papers @ items.T).max(axis=1))) != 10
    assert relevance.nearest.tolist()[10] == 0


def test_keywords_are_whole_words_and_exclusions_drop() -> None:
    p = paper("2512.00004", "Smart home lighting with LLMs", "We retrieve things.")
    assert keyword_hits(p, ["smart home", "home light", "retriev", "LLMs"]) == ["smart home", "LLMs"]
    assert excluded_by(p, ["lighting"]) == "lighting" and excluded_by(p, ["robot"]) is None
    assert author_hits(paper("2512.1", "t", authors=("Jane Doe",)), ["jane doe", "Doe"]) == ["jane doe"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 2), st.booleans()), max_size=30), st.integers(0, 40), st.integers(0, 40))
def test_choose_takes_the_top_k_then_matches_within_the_cap(rows: list[tuple[float, bool]], top: int,
                                                            cap: int) -> None:
    ranked = sorted((Ranked(id=str(i), score=s, why="x", match=m) for i, (s, m) in enumerate(rows)),
                    key=lambda r: -r.score)
    chosen = choose(ranked, top, cap)
    assert len(chosen) <= cap
    assert {r.id for r in ranked[: min(top, cap)]} <= chosen
    assert all(r.match for r in ranked[top:] if r.id in chosen)
    assert choose(ranked, None, cap) == {r.id for r in ranked}


def test_nearest_finds_the_closest_other_rows() -> None:
    rng = np.random.default_rng(1)
    v = rng.standard_normal((300, 8)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    found = nearest(v, 5, block=64)
    sims = v @ v.T
    np.fill_diagonal(sims, -np.inf)
    assert (found == np.argsort(-sims, axis=1)[:, :5]).all()


def test_profile_sources_bibtex_csl_json_and_records(tmp_path: Path, sample_entries: list[Entry]) -> None:
    from summarizer.edges.storage.store import write_records

    (tmp_path / "lib.bib").write_text("@article{a, title={Dense {Retrieval} for {QA}}, author={Smith, J.},\n"
                                      " abstract={We study dense retrieval.}, year={2024}, month={5}}\n"
                                      "@misc{b, note={no title}}\n")
    (tmp_path / "zotero.json").write_text(json.dumps([{"type": "article-journal", "title": "Robot Learning",
                                                       "abstract": "Robots learn.", "issued": {"date-parts": [[2023]]}},
                                                      {"type": "book"}]))
    write_records(tmp_path / "likes.jsonl", [sample_entries[0].model_copy(update={"day": "2025-12-24"})])
    (tmp_path / "p.toml").write_text('[profile]\nbibtex = ["lib.bib", "zotero.json"]\npapers_files = ["likes.jsonl"]\n'
                                     'summarize_top = 10\n')
    profile = load_profile_file(tmp_path / "p.toml")
    assert profile.summarize_top == 10 and not profile.is_empty()
    items = file_items(profile)
    assert [(i.title, i.when) for i in items] == [(sample_entries[0].paper.title, date(2025, 12, 24)),
                                                  ("Dense Retrieval for QA", date(2024, 5, 1)),
                                                  ("Robot Learning", date(2023, 7, 1))]
    assert items[1].text == "Dense Retrieval for QA. We study dense retrieval."


def test_openai_embeddings_are_read_and_cached(tmp_path: Path) -> None:
    # The answer's shape is OpenAI's (platform.openai.com/docs/api-reference/embeddings/create): data[] of
    # {object: "embedding", index, embedding}, model, usage.
    seen: list[list[str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body["input"])
        data = [{"object": "embedding", "index": i, "embedding": [float(len(t)), 1.0, 0.0]}
                for i, t in reversed(list(enumerate(body["input"])))]
        return httpx.Response(200, json={"object": "list", "data": data, "model": body["model"],
                                         "usage": {"prompt_tokens": 8, "total_tokens": 8}})

    embedder = OpenAIEmbedder(EmbeddingSettings(backend="openai", model="text-embedding-3-small"),
                              LLMSettings(model="m", api_key="k", base_url="http://embed.test/v1"),
                              http_client=httpx.Client(transport=httpx.MockTransport(answer)))
    cache = EmbeddingCache(tmp_path)
    first = embed_cached(embedder, cache, ["ab", "abcd", "ab"], batch_size=8)
    again = embed_cached(embedder, cache, ["abcd", "ab"], batch_size=8)
    cache.close()
    assert first[:, 0].tolist() == [2.0, 4.0, 2.0] and again[:, 0].tolist() == [4.0, 2.0]
    assert seen == [["ab", "abcd"]]  # each text asked once, in order of length; the second call all cached


def test_profile_arxiv_ids_are_fetched_once_then_read_from_the_cache(tmp_path: Path) -> None:
    import asyncio

    from summarizer.core.settings import ArxivSettings, ProfileSettings
    from summarizer.edges.arxiv.fetch import ArxivFetcher
    from summarizer.edges.ranking.profile_sources import arxiv_items
    from tests.fakes import FakeServer, Sleeps

    profile = ProfileSettings(papers=["arXiv:2512.20781", "https://arxiv.org/abs/2512.21257v1"])
    with FakeServer() as server:
        async def items() -> list[ProfileItem]:
            async with httpx.AsyncClient() as client:
                fetcher = ArxivFetcher(ArxivSettings(api_url=f"{server.url}/api/query", delay_seconds=0), client,
                                       sleep=Sleeps())
                return await arxiv_items(profile, fetcher, tmp_path)

        first = asyncio.run(items())
        requests = len(server.state.requests("/api/query"))
        again = asyncio.run(items())
        assert [i.title[:12] for i in first] == ["Soft Filteri", "ReaSeq: Unle"] and first == again
        assert requests == 1 and len(server.state.requests("/api/query")) == 1  # the second time from the cache


def test_a_paper_listed_again_is_one_like(tmp_path: Path, sample_entries: list[Entry]) -> None:
    # daily-arXiv-ai-enhanced's records as users keep them: its 2025-03-20 file lists the day three times over, and
    # its weekend files repeat Friday; as a profile, three papers so listed are three likes, not twelve
    import asyncio

    from summarizer.core.learned import MIN_POSITIVES
    from summarizer.core.settings import ArxivSettings, ProfileSettings
    from summarizer.edges.arxiv.fetch import ArxivFetcher
    from summarizer.edges.storage.store import write_records
    from summarizer.jobs.deploy.doctor import profile_checks
    from summarizer.jobs.rank.day import profile_items
    from tests.fakes import Sleeps

    three = sample_entries[:3]
    friday, saturday = tmp_path / "2025-03-21.jsonl", tmp_path / "2025-03-22.jsonl"
    write_records(friday, [e.model_copy(update={"day": "2025-03-21"}) for e in three * 3])
    write_records(saturday, [e.model_copy(update={"day": "2025-03-22"}) for e in three])
    profile = ProfileSettings(papers_files=[str(friday), str(saturday)])

    def no_network(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no arXiv id in this profile, yet {request.url} was asked")

    async def items() -> list[ProfileItem]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(no_network)) as client:
            return await profile_items(profile, ArxivFetcher(ArxivSettings(), client, sleep=Sleeps()), tmp_path)

    liked = asyncio.run(items())
    assert [i.title for i in liked] == [e.paper.title for e in three] and len(liked) < MIN_POSITIVES
    assert {i.when for i in liked} == {date(2025, 3, 21)}  # the first listing's day
    assert [c.detail for c in profile_checks(profile)] == [f"{friday}: 3 items (9 records)", f"{saturday}: 3 items"]


@given(st.lists(st.tuples(st.sampled_from("abcd"), st.booleans()), max_size=12))
def test_distinct_items_keeps_each_first_copy_in_order(keys: list[tuple[str, bool]]) -> None:
    items = [ProfileItem(title=f"{text}{n}", text=text, disliked=bad) for n, (text, bad) in enumerate(keys)]
    kept = distinct_items(items)
    assert [(i.text, i.disliked) for i in kept] == list(dict.fromkeys(keys))  # a like and a dislike stay apart
    assert all(items.index(i) == min(n for n, j in enumerate(items) if (j.text, j.disliked) == (i.text, i.disliked))
               for i in kept)


def test_the_embeddings_endpoint_gets_its_own_key_never_the_llm_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # A 401 as OpenAI sends it (platform.openai.com/docs/guides/error-codes), echoing the key it refused.
    seen: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        key = request.headers["authorization"].removeprefix("Bearer ")
        return httpx.Response(401, json={"error": {"message": f"Incorrect API key provided: {key}. You can find "
                                                   "your API key at https://platform.openai.com/account/api-keys.",
                                                   "type": "invalid_request_error", "param": None,
                                                   "code": "invalid_api_key"}})

    llm = LLMSettings(model="m", api_key="sk-LLM-key-0000", base_url="http://llm.test/v1")
    own = EmbeddingSettings(backend="openai", base_url="http://embed.test/v1", api_key_env="EMBED_KEY")
    with pytest.raises(ConfigError, match="embedding.api_key_env"):  # another endpoint, no key of its own
        OpenAIEmbedder(own.model_copy(update={"api_key_env": None}), llm)
    monkeypatch.setenv("EMBED_KEY", "sk-EMBED-key-1111")
    embedder = OpenAIEmbedder(own, llm, http_client=httpx.Client(transport=httpx.MockTransport(refuse)))
    with pytest.raises(EmbeddingError):
        embedder.embed(["a"])
    assert seen == ["Bearer sk-EMBED-key-1111"]


def test_the_embedding_key_is_scrubbed_from_what_the_cli_prints(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from summarizer.face.runner import SECRETS, load_config

    cfg = tmp_path / "config.toml"
    cfg.write_text('[llm]\nmodel = "m"\n[embedding]\nbackend = "openai"\nbase_url = "http://embed.test/v1"\n'
                   'api_key_env = "EMBED_KEY_SCRUB"\n')
    monkeypatch.setenv("EMBED_KEY_SCRUB", "sk-EMBED-scrub-2222")
    load_config(argparse.Namespace(config=str(cfg)), need_key=False)
    assert SECRETS.scrub("HTTP 401: Incorrect API key provided: sk-EMBED-scrub-2222") == \
        "HTTP 401: Incorrect API key provided: ***"
