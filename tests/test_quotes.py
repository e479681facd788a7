"""What a model asked again for a Result with numbers is shown: the body's sentences that hold them, ranked."""

from __future__ import annotations

from summarizer.core.checks.gate import SourceIndex, source_text
from summarizer.core.checks.quotes import Quote, reask_note, result_evidence
from summarizer.core.models import Checks, Entry


def test_a_bare_result_is_asked_again_with_the_body_sentences_that_hold_its_numbers(
        sample_entries: list[Entry]) -> None:
    entry = sample_entries[0]
    assert entry.summary is not None
    abstract = SourceIndex.of(source_text(entry.paper.title, entry.paper.abstract))
    body = (f"Abstract\n{entry.paper.abstract}\n\n## Introduction\nSurveys hold 60,000 light curves, a 12% share. "
            "As Smith (2019) showed in Section 4. See https://example.org/v2 for 17 more.\n\n## Experiments\n"
            "We ran 3 seeds on 2 machines. Table 2: recall 0.412, 0.388 and 0.301 on the three test sets. "
            + "x" * 400 + " reaching 0.937 in 19 hours.")
    words = entry.summary.model_copy(update={"result": "KL3M 方法优于所有基线。"})  # a name's number is no finding
    quotes = result_evidence(words, body, abstract)
    quoted = [quote.text for quote in quotes]
    # findings first, wherever they stand (recall, then the introduction's percent); then the experiments' other
    # sentences, measures (0.937) before counts (3 seeds); each quote kept short; a citation's year, a pointer
    # ("Section 4") and a link are never quoted
    assert quoted[0].startswith("Table 2: recall 0.412")
    assert quoted[1] == "Surveys hold 60,000 light curves, a 12% share."
    assert quoted[2].endswith("…") and "0.937" not in quoted[2] and all(len(q) <= 300 for q in quoted)
    no_finding = body.replace("a 12% share", "a large share").replace("Table 2: recall", "Table 2:")
    assert result_evidence(words, no_finding, abstract)[1:] == [
        quotes[2], Quote("We ran 3 seeds on 2 machines.", ("3",))]  # the abstract has a 2
    assert result_evidence(words, f"Abstract\n{entry.paper.abstract}", abstract) == []  # nothing beyond it
    assert result_evidence(entry.summary.model_copy(update={"result": "召回率为0.412。"}), body, abstract) == []
    intro_only = body[:body.index("## Experiments")]
    assert result_evidence(words, intro_only, abstract) == [
        Quote("Surveys hold 60,000 light curves, a 12% share.", ("60,000",))]  # the abstract states 12%
    # the numbers each quote holds, once each; a number cut off with its quote's end is not offered
    assert quotes[0].numbers == ("0.412", "0.388", "0.301") and "0.937" not in quotes[2].numbers
    note = reask_note(Checks(), quotes)
    assert "«Table 2: recall 0.412, 0.388 and 0.301 on the three test sets.»" in note and "copied exactly" in note
    assert "(such as 0.412, 0.388, 0.301, 60,000)" in note
