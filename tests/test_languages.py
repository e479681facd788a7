"""Languages by name or BCP-47 tag, each with a check of its own script or words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from summarizer.core.languages import LANGUAGES, UnknownLanguage, resolve_language, target_ratio

ZH_TEXT = "本文提出一种新的检索方法，在三个基准上显著提升召回率，并分析了其原因。"
JA_TEXT = "本論文では新しい検索手法を提案し、三つのベンチマークで再現率が大きく向上することを示す。"
KO_TEXT = "이 논문은 새로운 검색 방법을 제안하고 세 가지 벤치마크에서 재현율을 크게 높인다."
EN_TEXT = "The paper proposes a retrieval method that improves recall on three benchmarks and explains why."
FR_TEXT = ("Cet article propose une méthode de recherche qui améliore le rappel sur trois jeux de données et "
           "explique pour quoi.")
DE_TEXT = ("Die Arbeit stellt eine Methode vor, die den Recall auf drei Benchmarks verbessert, und erklärt warum "
           "das so ist.")
RU_TEXT = "В статье предложен новый метод поиска, который повышает полноту на трёх наборах данных."


@pytest.mark.parametrize(("text", "name"), [
    ("Chinese", "Chinese"), ("zh-Hans", "Chinese"), ("zh_CN", "Chinese"), ("ZH", "Chinese"), ("中文", "Chinese"),
    ("zh-Hant", "Traditional Chinese"), ("zh-TW", "Traditional Chinese"), ("zh-Hant-HK", "Traditional Chinese"),
    ("ja", "Japanese"), ("ja-JP", "Japanese"), ("日本語", "Japanese"), ("ko", "Korean"), ("english", "English"),
    ("en-GB", "English"), ("fr", "French"), ("Français", "French"), ("pt-BR", "Portuguese"), ("de-CH", "German"),
])
def test_names_and_bcp47_tags(text: str, name: str) -> None:
    assert resolve_language(text).name == name


@pytest.mark.parametrize("text", ["Klingon", "xx", "", "zz-Latn", "Chinese please"])
def test_unknown_languages_are_refused(text: str) -> None:
    with pytest.raises(UnknownLanguage, match="unknown language"):
        resolve_language(text)


@pytest.mark.parametrize(("target", "accepted", "refused"), [
    ("French", FR_TEXT, [ZH_TEXT, EN_TEXT, DE_TEXT]),  # a French target took a Chinese answer before (issue 9, item 13)
    ("English", EN_TEXT, [ZH_TEXT, FR_TEXT, RU_TEXT]),
    ("German", DE_TEXT, [EN_TEXT, KO_TEXT]),
    ("zh-Hans", ZH_TEXT, [EN_TEXT, JA_TEXT, KO_TEXT]),
    ("Japanese", JA_TEXT, [ZH_TEXT, EN_TEXT]),  # pure Chinese, no kana, is not Japanese
    ("Korean", KO_TEXT, [ZH_TEXT, JA_TEXT]),
    ("Russian", RU_TEXT, [EN_TEXT, ZH_TEXT]),
])
def test_each_language_checks_its_own_script_or_words(target: str, accepted: str, refused: list[str]) -> None:
    lang = resolve_language(target)
    assert target_ratio(accepted, lang) >= 0.5
    for text in refused:
        assert target_ratio(text, lang) < 0.5, text


@given(st.lists(st.sampled_from(["检索", "方法", "提升", "召回率", "模型", "数据"]), min_size=3, max_size=30),
       st.lists(st.sampled_from(["BLIP-2", "HumanEval", "SEGVAE", "R@5", "CLIP"]), max_size=3))
def test_chinese_with_a_few_terms_passes_as_chinese(words: list[str], terms: list[str]) -> None:
    assert target_ratio("".join(words) + " " + " ".join(terms), resolve_language("Chinese")) >= 0.5


def test_every_language_has_its_instructions_in_its_own_words() -> None:
    for lang in LANGUAGES:
        assert target_ratio(lang.instruction, lang) >= 0.5 and target_ratio(lang.translate, lang) >= 0.5, lang.name
