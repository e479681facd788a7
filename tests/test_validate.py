"""The answer validator: what it repairs, what it refuses, and that it never accepts a schema failure."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.core.languages import resolve_language, target_ratio
from summarizer.core.models import SUMMARY_FIELDS, Entry
from summarizer.core.validate import AnswerInvalid, extract_json_object, validate_answer

ZH, EN = resolve_language("Chinese"), resolve_language("English")

ABSTRACT = "We propose a new method for retrieval. It improves recall on three benchmarks by a large margin."


def good() -> dict[str, str]:
    return {"tldr": "提出了一种新的检索方法SEGVAE。", "motivation": "现有方法在HumanEval上召回率不足。",
            "method": "使用对比学习训练编码器。", "result": "在三个基准上召回率显著提升。", "conclusion": "方法有效。"}


def test_every_recorded_sample_summary_passes(sample_entries: list[Entry]) -> None:
    for entry in sample_entries:
        text = json.dumps(entry.summary.model_dump(), ensure_ascii=False)
        assert validate_answer(text, entry.paper.abstract, ZH, 0.5) == entry.summary


def test_english_answer_fails_and_copy_of_abstract_fails(sample_entries: list[Entry]) -> None:
    abstract = sample_entries[0].paper.abstract
    english = {k: "The paper proposes a retrieval method that improves results." for k in SUMMARY_FIELDS}
    with pytest.raises(AnswerInvalid, match="not written in Chinese"):
        validate_answer(json.dumps(english), abstract, ZH, 0.5)
    copied = dict(good(), method=abstract[:400])
    with pytest.raises(AnswerInvalid, match="not written in Chinese|'method'"):
        validate_answer(json.dumps(copied, ensure_ascii=False), abstract, ZH, 0.5)
    copied_en = {k: abstract[i * 150 : i * 150 + 300] for i, k in enumerate(SUMMARY_FIELDS)}
    with pytest.raises(AnswerInvalid, match="copies the abstract"):
        validate_answer(json.dumps(copied_en), abstract, EN, 0.5)


def test_dense_technical_chinese_counts_terms_as_one_word() -> None:
    field = "提出SoFT（Soft Filtering with Textual constraints）模块，基于CLIP与BLIP-2"
    assert sum(c.isascii() and c.isalpha() for c in field) > 10
    assert target_ratio(field, ZH) < 0.5  # letters outnumber CJK, and words do too here
    answer = dict(good(), method=field)
    assert validate_answer(json.dumps(answer, ensure_ascii=False), ABSTRACT, ZH, 0.5).method == field


def test_fences_prose_and_latex_are_repaired() -> None:
    latex = r"对比学习 $\ell_2$ 与 $\mathbb{R}^d$ 和 \frac{1}{2}"
    raw = json.dumps(good(), ensure_ascii=False).replace("对比学习", latex)
    raw = raw.replace("\\\\", "\\")  # the model wrote single backslashes: invalid JSON escapes
    text = f"Sure! Here it is:\n```json\n{raw}\n```\nAnything else?"
    summary = validate_answer(text, ABSTRACT, ZH, 0.5)
    assert r"$\ell_2$ 与 $\mathbb{R}^d$ 和 \frac{1}{2}" in summary.method


def test_real_escapes_survive_repair() -> None:
    data = extract_json_object(json.dumps({"a": 'line\nnext "quoted" \\ tab\t é \\frac'}))
    assert data == {"a": 'line\nnext "quoted" \\ tab\t é \\frac'}


@pytest.mark.parametrize("text", [None, "", "   ", "no json here", '{"tldr": "半个', "[1, 2]"])
def test_unusable_text_is_refused(text: str | None) -> None:
    with pytest.raises(AnswerInvalid):
        validate_answer(text, ABSTRACT, ZH, 0.5)


_values = st.one_of(st.text(max_size=20), st.integers(), st.none(), st.booleans(),
                    st.lists(st.text(max_size=5), max_size=2), st.just("  "), st.just("中文摘要内容"))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*SUMMARY_FIELDS, "title", "summary", "TLDR"]), _values, max_size=7))
def test_never_accepts_an_answer_that_fails_the_schema(data: dict[str, object]) -> None:
    schema_ok = (set(data) == set(SUMMARY_FIELDS)
                 and all(isinstance(v, str) and v.strip() for v in data.values()))
    try:
        summary = validate_answer(json.dumps(data, ensure_ascii=False), ABSTRACT, ZH, 0.5)
    except AnswerInvalid:
        return
    assert schema_ok
    assert all(getattr(summary, f) == data[f].strip() for f in SUMMARY_FIELDS)  # type: ignore[union-attr]
