"""The answer validator: what it repairs, what it refuses, and that it never accepts a schema failure."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.core.languages import resolve_language, target_ratio
from summarizer.core.models import SUMMARY_FIELDS, Entry
from summarizer.core.validate import DUPLICATE_RATIO, AnswerInvalid, extract_json_object, validate_answer
from summarizer.edges.resources import load_prompts
from tests.conftest import ROOT

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
    with pytest.raises(AnswerInvalid, match="not written in Chinese") as refused:
        validate_answer(json.dumps(english), abstract, ZH, 0.5)
    assert refused.value.rewrite is None  # nothing in Chinese to keep: all five are asked for again
    one = dict(good(), motivation=english["motivation"], result=english["result"])
    with pytest.raises(AnswerInvalid, match="fields 'motivation' and 'result' are not written in Chinese") as refused:
        validate_answer(json.dumps(one, ensure_ascii=False), abstract, ZH, 0.5)
    rewrite = refused.value.rewrite  # the rest is kept; the two in English are asked for on their own
    assert rewrite is not None and rewrite.names == ("motivation", "result") and rewrite.reason == "language"
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


# daily-arXiv-ai-enhanced's record of 2509.11090: the one summary in its whole history (76,509 that pass the
# language check) with an English clause copied whole; 2604.28185's list of ten English words is names
COPIED = ("在CARLA模拟器中的大量实验表明，CAA-Policy consistently surpasses both the end-to-end learning baseline and "
          "the modular BEV segmentation + hybrid A* pipeline, achieving superior accuracy, robustness, and "
          "interpretability。")
NAMES = ("评估覆盖Atomic Generation, Conditional Generation, In-Context Generation, Agentic Generation, "
         "World-Modeling Generation五类任务。")


def test_an_english_sentence_copied_into_a_chinese_field_is_re_asked_but_names_pass() -> None:
    assert target_ratio(COPIED, ZH) >= 0.25  # the language check alone lets it through
    with pytest.raises(AnswerInvalid, match="'result' has an English passage of 13 words") as refused:
        validate_answer(json.dumps(dict(good(), result=COPIED), ensure_ascii=False), ABSTRACT, ZH, 0.5)
    assert refused.value.kind == "language" and "CAA-Policy consistently surpasses" in str(refused.value)
    rewrite = refused.value.rewrite
    assert rewrite is not None and rewrite.names == ("result",) and rewrite.reason == "language"
    assert validate_answer(json.dumps(dict(good(), method=NAMES), ensure_ascii=False), ABSTRACT, ZH, 0.5)


@given(st.lists(st.sampled_from(["GPT-4o", "BLIP-2", "Transformer", "RAG", "Retrieval", "LoRA", "and", "the"]),
                min_size=1, max_size=11))
def test_up_to_eleven_english_words_in_a_row_are_names_not_a_passage(words: list[str]) -> None:
    field = "我们在" + " ".join(words) + "上评估方法。"
    assert validate_answer(json.dumps(dict(good(), method=field), ensure_ascii=False), ABSTRACT, ZH, 0.5)


# Qwen2.5-Coder-1.5B's Result for 1410.2597, rewritten with the body's numbers (bench_fulltext.py, 2026-12-05):
# one sentence three times over, each number in it found in the text
LOOPED = "我们设计了一个基于控制选择的类型I错误率的理论，并给出了最强大、最 unbiased的选择测试和置信区间。" + (
    "如果我们在相同的选择方法下再次运行实验，可能会选择完全不同的 S(Y) , giving C(Y) a完全不同的含义，"
    "且 100 实验结果可能会产生 100 部分不同的 C(Y) , 用于覆盖 100 个非常不同的真参数值。") * 3


def test_a_field_that_says_one_sentence_twice_is_re_asked() -> None:
    with pytest.raises(AnswerInvalid, match="'result' says «如果我们在相同的选择方法下再次运行实验") as refused:
        validate_answer(json.dumps(dict(good(), result=LOOPED), ensure_ascii=False), ABSTRACT, ZH, 0.5)
    assert refused.value.kind == "repeated_sentence"
    # a short phrase said twice, and decimals that are no sentence end, pass
    fine = "召回率提升3.5个点，效果显著。精确率提升2.5个点，效果显著。"
    assert validate_answer(json.dumps(dict(good(), result=fine), ensure_ascii=False), ABSTRACT, ZH, 0.5)


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


@pytest.mark.parametrize("command", ["tanh", "notin", "neg", "rvert", "textrm", "bigcup", "boxed", "frac", "beta",
                                     "nabla"])
def test_latex_commands_survive_single_backslashes(command: str) -> None:
    # A model writes "$\tanh(x)$" in JSON: to a parser that is TAB + "anh" (issue 9, item 12).
    field = f"使用 $\\\\{command}(x)$ 训练编码器。"
    raw = json.dumps(good(), ensure_ascii=False).replace("使用对比学习训练编码器。", field)
    summary = validate_answer(raw.replace("\\\\", "\\"), ABSTRACT, ZH, 0.5)
    assert f"$\\{command}(x)$" in summary.method
    assert not any(ord(c) < 32 for c in summary.method)


def test_a_json_escape_next_to_text_stays_an_escape() -> None:
    data = extract_json_object('{"a": "第一行\\n第二行\\tnext \\u00e9 \\"q\\" $\\nu$"}')
    assert data == {"a": "第一行\n第二行\tnext é \"q\" $\\nu$"}


def test_a_tab_the_model_typed_is_a_space_but_an_escaped_one_is_re_asked() -> None:
    # Seen from the real model (issue 9): "富\tsemantic" with a raw tab between the words.
    typed = json.dumps(dict(good(), method="XX"), ensure_ascii=False).replace("XX", "使用对比学习\t训练编码器。")
    assert "\t" in typed
    assert validate_answer(typed, ABSTRACT, ZH, 0.5).method == "使用对比学习 训练编码器。"
    escaped = json.dumps(dict(good(), method="使用对比学习\t训练编码器。"), ensure_ascii=False)
    assert "\\t" in escaped
    with pytest.raises(AnswerInvalid, match="U\\+0009"):
        validate_answer(escaped, ABSTRACT, ZH, 0.5)


def test_a_control_character_left_in_a_field_is_re_asked() -> None:
    # "\bxyz" names no LaTeX command, so it stays the JSON escape BACKSPACE + "xyz": refused, never printed.
    raw = json.dumps(good(), ensure_ascii=False).replace("使用对比学习训练编码器。", "结果为\\bxyz{42}。")
    raw = raw.replace("\\\\", "\\")
    with pytest.raises(AnswerInvalid, match="control character U\\+0008") as caught:
        validate_answer(raw, ABSTRACT, ZH, 0.5)
    assert caught.value.kind == "control_chars"
    with pytest.raises(AnswerInvalid, match="surrogate"):
        validate_answer(json.dumps(dict(good(), result="提升显著\ud83d"), ensure_ascii=False), ABSTRACT, ZH, 0.5)


def test_fields_that_repeat_each_other_are_refused(sample_entries: list[Entry]) -> None:
    # The real model gave TL;DR = Method and Result = Conclusion (issue 9, item 9).
    same = dict(good(), method=good()["tldr"])
    with pytest.raises(AnswerInvalid, match="'tldr' and 'method' say the same thing; rewrite 'method'") as caught:
        validate_answer(json.dumps(same, ensure_ascii=False), ABSTRACT, ZH, 0.5)
    assert caught.value.kind == "duplicate_fields"
    near = dict(good(), conclusion=good()["result"].replace("显著", "明显"))
    with pytest.raises(AnswerInvalid, match="'result' and 'conclusion'"):
        validate_answer(json.dumps(near, ensure_ascii=False), ABSTRACT, ZH, 0.5)


def test_every_field_that_repeats_an_earlier_one_is_named_for_rewriting() -> None:
    # Written in this order by the model; the later field of each pair is the copy.
    answer = {"motivation": good()["motivation"], "method": good()["motivation"], "result": good()["result"],
              "conclusion": good()["conclusion"], "tldr": good()["motivation"]}
    with pytest.raises(AnswerInvalid) as caught:
        validate_answer(json.dumps(answer, ensure_ascii=False), ABSTRACT, ZH, 0.5)
    rewrite = caught.value.rewrite
    assert rewrite is not None
    assert rewrite.names == ("method", "tldr") and rewrite.others == {"method": "motivation", "tldr": "motivation"}
    assert rewrite.fields == answer and list(rewrite.fields) == list(answer)


def test_real_summaries_are_never_taken_for_repeats() -> None:
    import difflib
    import itertools

    for path in sorted((ROOT.parent / "shared" / "fixtures" / "dae").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            ai = json.loads(line)["AI"]
            fields = [v for k, v in ai.items() if k in (*SUMMARY_FIELDS, "task") and "failed" not in v]
            for a, b in itertools.combinations(fields, 2):
                assert difflib.SequenceMatcher(None, a, b).ratio() < DUPLICATE_RATIO


def test_placeholders_and_echoed_instructions_are_refused() -> None:
    template = load_prompts().system + "\n" + load_prompts().user
    for bad in ("<the translated text>", "{{summary}}", "[your summary here]", "方法：$abstract"):
        with pytest.raises(AnswerInvalid, match="placeholder") as caught:
            validate_answer(json.dumps(dict(good(), method=bad), ensure_ascii=False), ABSTRACT, ZH, 0.5, template)
        assert caught.value.kind == "template"
    echo = dict(good(), result="the main findings, with the key numbers")
    with pytest.raises(AnswerInvalid):
        validate_answer(json.dumps(echo), ABSTRACT, ZH, 0.5, template)
    with pytest.raises(AnswerInvalid, match="repeats the instructions"):
        validate_answer(json.dumps(echo), ABSTRACT, EN, 0.0, template)
    math = dict(good(), method="使用 $x$ 与 $n$ 个样本训练。")  # LaTeX is not a template variable
    assert validate_answer(json.dumps(math, ensure_ascii=False), ABSTRACT, ZH, 0.5, template).method == math["method"]


@pytest.mark.parametrize("echo", ["主要结果和关键数字", "主要发现，包括关键数字"])
def test_a_short_field_rewording_the_prompts_description_is_refused(echo: str) -> None:
    # Qwen2.5-Coder-1.5B wrote these as a whole Result, from the system prompt's "主要发现和关键数字"
    from summarizer.core.validate import check_not_template
    from summarizer.edges.resources import load_prompts

    prompts = load_prompts(language_tag="zh-Hans")
    template = prompts.system + "\n" + prompts.user
    with pytest.raises(AnswerInvalid, match="repeats the instructions"):
        check_not_template({"tldr": "一种新方法", "result": echo}, template)
    check_not_template({"result": "在ImageNet上准确率达到85.2%，比基线高3个百分点"}, template)
