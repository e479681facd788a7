"""The languages summaries and translations can be written in, and how to tell a text is in one.

A language is named in config by its English name ("Chinese"), its own name ("中文") or a BCP-47
tag ("zh-Hans", "zh-CN", "ja", "pt-BR"); anything else is refused at start-up, because a language
the tool cannot check would let any answer through. Each language has a check of its own: its
script (Han, kana, Hangul, Cyrillic, Latin) and, among languages that share the Latin script, the
short words that only it uses, so a French target refuses English and a Japanese one refuses
Chinese with no kana.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Language:
    name: str  # the canonical English name: used in prompts and cache keys
    tag: str  # BCP-47, for <html lang>
    script: str  # han, japanese, hangul, cyrillic, latin
    instruction: str  # the last line of a summary request, in the language itself
    translate: str  # the last line of a translation request, in the language itself
    aliases: tuple[str, ...] = ()
    words: tuple[str, ...] = ()  # frequent short words, for Latin-script languages
    # a full-text request's note on Result, in the language itself (a small model follows its own language's
    # words better than the English line before them)
    fulltext_note: str = ""

    @property
    def script_pattern(self) -> str | None:
        """A JSON-schema `pattern` for "starts in this language's script", for structured output.

        Enforced by the provider's grammar, it keeps a small model from slipping into the English of
        the abstract (Qwen2.5-Coder-1.5B: first answers accepted rose from about 4 to 6 of 7). None for
        Latin-script languages, where the first letter tells English from French not at all.
        """
        return _SCRIPT_START.get(self.script)

    @property
    def file_tag(self) -> str:
        """The short code in file names (D.en.md, D.zh-hant.md)."""
        return self.tag.lower() if self.tag.startswith("zh-Hant") else self.tag.split("-")[0].lower()


LANGUAGES: tuple[Language, ...] = (
    Language(
        name="Chinese",
        tag="zh-Hans",
        script="han",
        # tldr first: in the benchmark a small model copied tldr from method less often this way.
        instruction=("请用简体中文撰写每个字段：tldr 用不超过40个字的一句话概括论文的贡献，"
                     "motivation 写研究问题与动机，method 写具体做法，result 写主要结果和关键数字，"
                     "conclusion 写这些结果意味着什么；五个字段的内容不要互相重复。"),
        translate="请把上面的文字翻译成简体中文。",
        fulltext_note="result 必须写出正文（实验、表格、统计）中的具体数字，按原文照抄，不要写原文没有的数字。",
        aliases=("simplified chinese", "中文", "简体中文", "汉语", "zh", "zh-hans", "zh-cn", "zh-sg", "cmn"),
    ),
    Language(
        name="Traditional Chinese",
        tag="zh-Hant",
        script="han",
        instruction=("請用繁體中文撰寫每個欄位：tldr 用不超過40個字的一句話概括論文的貢獻，"
                     "motivation 寫研究問題與動機，method 寫具體做法，result 寫主要結果和關鍵數字，"
                     "conclusion 寫這些結果意味著什麼；五個欄位的內容不要互相重複。"),
        translate="請把上面的文字翻譯成繁體中文。",
        fulltext_note="result 必須寫出正文（實驗、表格、統計）中的具體數字，按原文照抄，不要寫原文沒有的數字。",
        aliases=("繁體中文", "繁体中文", "zh-hant", "zh-tw", "zh-hk", "zh-mo"),
    ),
    Language(
        name="Japanese",
        tag="ja",
        script="japanese",
        instruction="各項目を日本語で書き、五つの項目で同じ内容を繰り返さないでください。",
        translate="上の文章を日本語に翻訳してください。",
        aliases=("日本語", "ja", "ja-jp"),
    ),
    Language(
        name="Korean",
        tag="ko",
        script="hangul",
        instruction="모든 항목을 한국어로 작성하고, 다섯 항목이 서로 같은 내용을 반복하지 않게 하세요.",
        translate="위의 글을 한국어로 번역하세요.",
        aliases=("한국어", "ko", "ko-kr"),
    ),
    Language(
        name="English",
        tag="en",
        script="latin",
        instruction="Write every field in English; no two of the five fields may repeat each other.",
        translate="Translate the text above into English.",
        aliases=("en",),
        words=("the", "and", "of", "to", "is", "are", "with", "this", "that", "we", "which", "from", "by", "on"),
    ),
    Language(
        name="French",
        tag="fr",
        script="latin",
        instruction="Rédigez chaque champ en français, sans que deux des cinq champs se répètent.",
        translate="Traduisez le texte ci-dessus en français.",
        aliases=("français", "francais", "fr"),
        words=("le", "les", "des", "est", "et", "une", "pour", "dans", "sur", "avec", "qui", "sont", "du", "au"),
    ),
    Language(
        name="German",
        tag="de",
        script="latin",
        instruction="Schreiben Sie jedes Feld auf Deutsch, ohne dass sich zwei der fünf Felder wiederholen.",
        translate="Übersetzen Sie den Text oben ins Deutsche.",
        aliases=("deutsch", "de"),
        words=("der", "die", "das", "und", "ist", "mit", "für", "ein", "eine", "von", "den", "zu", "auf", "wird"),
    ),
    Language(
        name="Spanish",
        tag="es",
        script="latin",
        instruction="Escribe cada campo en español, sin que dos de los cinco campos se repitan.",
        translate="Traduce el texto anterior al español.",
        aliases=("español", "espanol", "castellano", "es"),
        words=("el", "los", "las", "y", "es", "una", "para", "con", "del", "por", "se", "como", "su", "al"),
    ),
    Language(
        name="Portuguese",
        tag="pt",
        script="latin",
        instruction="Escreva cada campo em português, sem que dois dos cinco campos se repitam.",
        translate="Traduza o texto acima para o português.",
        aliases=("português", "portugues", "pt"),
        words=("os", "as", "e", "é", "uma", "para", "com", "do", "da", "em", "são", "não", "ao", "dos"),
    ),
    Language(
        name="Italian",
        tag="it",
        script="latin",
        instruction="Scrivi ogni campo in italiano, senza che due dei cinque campi si ripetano.",
        translate="Traduci il testo qui sopra in italiano.",
        aliases=("italiano", "it"),
        words=("il", "gli", "e", "è", "una", "per", "con", "che", "della", "sono", "non", "di", "nel", "dei"),
    ),
    Language(
        name="Russian",
        tag="ru",
        script="cyrillic",
        instruction="Напишите каждое поле на русском языке так, чтобы пять полей не повторяли друг друга.",
        translate="Переведите текст выше на русский язык.",
        aliases=("русский", "ru"),
    ),
)

_SCRIPT_START = {"han": "^[\u4e00-\u9fff].*$", "japanese": "^[\u3040-\u30ff\u4e00-\u9fff].*$",
                 "hangul": "^[\uac00-\ud7af].*$", "cyrillic": "^[\u0400-\u04ff].*$"}
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_LATIN_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿĀ-ž][A-Za-zÀ-ÖØ-öø-ÿĀ-ž0-9]*(?:['’\-_.][A-Za-zÀ-ÖØ-öø-ÿĀ-ž0-9]+)*")
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]+")


class UnknownLanguage(ValueError):
    """Not a language this tool can write in and check."""


def _key(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


@lru_cache(maxsize=64)
def resolve_language(text: str) -> Language:
    """The language named by `text`: English or native name, or a BCP-47 tag (script and region honoured)."""
    key = _key(text)
    for lang in LANGUAGES:
        if key in (_key(lang.name), _key(lang.tag)) or key in (_key(a) for a in lang.aliases):
            return lang
    parts = key.split("-")
    if parts[0] == "zh" and any(p in ("hant", "tw", "hk", "mo") for p in parts[1:]):
        return LANGUAGES[1]
    for lang in LANGUAGES:
        if parts[0] == lang.tag.split("-")[0].lower():
            return lang
    known = ", ".join(f"{lang.name} ({lang.tag})" for lang in LANGUAGES)
    raise UnknownLanguage(f"unknown language {text!r}; known: {known}")


def _distinct_words() -> dict[str, frozenset[str]]:
    """Each Latin-script language's marker words that no other language in the table shares."""
    counts: dict[str, int] = {}
    for lang in LANGUAGES:
        for word in set(lang.words):
            counts[word] = counts.get(word, 0) + 1
    return {lang.name: frozenset(w for w in lang.words if counts[w] == 1) for lang in LANGUAGES if lang.words}


_MARKERS = _distinct_words()


def target_ratio(text: str, language: Language) -> float:
    """Share of the text written in the language's script, words of other scripts counting one each.

    A model, dataset or acronym (`SEGVAE`, `HumanEval`) is one word however long it is, so dense
    technical Chinese passes while English fails. Japanese without kana is Chinese, and Latin-script
    text whose marker words belong to another language counts as not in the target at all.
    """
    han, kana, hangul = len(_HAN.findall(text)), len(_KANA.findall(text)), len(_HANGUL.findall(text))
    latin = _LATIN_WORD.findall(text)
    cyrillic = len(_CYRILLIC_WORD.findall(text))
    total = han + kana + hangul + len(latin) + cyrillic
    if not total:
        return 0.0
    if language.script == "han":
        return han / total if kana <= 0.05 * (han + kana) else 0.0
    if language.script == "japanese":
        return (han + kana) / total if kana >= 0.05 * (han + kana) else 0.0
    if language.script == "hangul":
        return hangul / total
    if language.script == "cyrillic":
        return cyrillic / total
    if not latin_markers_agree(latin, language):
        return 0.0
    return len(latin) / total


def latin_markers_agree(words: list[str], language: Language) -> bool:
    """False when the text's marker words point clearly to another Latin-script language."""
    hits = {name: 0 for name in _MARKERS}
    for word in words:
        lowered = word.lower()
        for name, markers in _MARKERS.items():
            if lowered in markers:
                hits[name] += 1
    total = sum(hits.values())
    if total < 3:  # too few to judge: a title, a list of terms
        return True
    return hits.get(language.name, 0) >= max(hits.values())
