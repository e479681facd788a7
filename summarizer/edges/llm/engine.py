"""The validation retry layer: ask, check the answer, re-ask with the reason, stop after N.

What goes wrong with one answer belongs to that paper: a refusal, a content filter, an empty or
cut-off answer, or an answer that fails its checks is asked again (the reason appended for the
model when there is an answer to correct; as a new request with a note when the refused answer
would only anchor the model to its fault), and after `max_attempts` the paper fails with the
last reason. Only the provider refusing a structured-output mode itself (HTTP 400/422 naming
it) steps the run's mode down, json_schema -> tools -> json_object -> text, for every paper.
Each re-ask is logged with its reason (`-v`) and counted by reason for the run report.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from summarizer.core.checks.gate import SourceIndex, check_summary, source_text
from summarizer.core.checks.quotes import Quote, reask_note, result_evidence, states_a_number
from summarizer.core.completions import Completion
from summarizer.core.errors import AnswerRejected, LLMError, RunStopped
from summarizer.core.languages import Language, resolve_language
from summarizer.core.models import Checks, Paper, Summary
from summarizer.core.prompts import PromptSet, with_string_pattern
from summarizer.core.settings import StructuredMode
from summarizer.core.validate import FIELD_PURPOSE, AnswerInvalid, Rewrite, extract_json_object, validate_answer
from summarizer.edges.llm.client import MODES, ChatClient, ModeRejected

log = logging.getLogger(__name__)
RESULT_TRIES = 2  # a bare Result's rewrites: the 1.5B model at temperature 1 writes words again in most


def reask_messages(answer: str, error: str) -> list[dict[str, Any]]:
    """The refused answer and the reason, appended to the conversation for the next attempt."""
    return [{"role": "assistant", "content": answer},
            {"role": "user", "content": f"Your answer was rejected: {error}. "
                                        "Answer again with the corrected JSON object only."}]


class ModeLadder:
    """The structured-output mode in use; `auto` steps down once per refusal and stays there.

    Above json_schema sits json_schema with `pattern` (the target script first), when the language
    has one: a provider that refuses the pattern loses only the pattern.
    """

    def __init__(self, configured: str, pattern: str | None = None) -> None:
        self.fixed = configured != "auto"
        self.index = MODES.index(configured) if self.fixed else 0  # type: ignore[arg-type]
        self.pattern = pattern if MODES[self.index] == "json_schema" else None

    @property
    def mode(self) -> StructuredMode:
        return MODES[self.index]

    def schema_for(self, schema: dict[str, Any], mode: StructuredMode) -> dict[str, Any]:
        """The answer schema as sent in `mode`: with the script pattern while json_schema carries one."""
        return with_string_pattern(schema, self.pattern) if mode == "json_schema" and self.pattern else schema

    def step_down(self, failed: StructuredMode) -> bool:
        """Move below `failed` (if nobody did already); False when there is nowhere to go."""
        if failed == "json_schema" and self.pattern is not None:
            self.pattern = None
            log.warning("the provider refused a pattern in the answer schema; using plain json_schema from now on")
            return True
        if self.fixed:
            return False
        if MODES[self.index] == failed:
            if self.index == len(MODES) - 1:
                return False
            self.index += 1
            log.warning("structured output %r refused by the provider; using %r from now on", failed, self.mode)
        return True


@dataclass
class Answer:
    value: Any
    attempts: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasons: list[str] = field(default_factory=list)

    def count(self, done: Completion) -> None:
        """One more attempt answered, and the tokens it took."""
        self.attempts += 1
        self.prompt_tokens += done.prompt_tokens or 0
        self.completion_tokens += done.completion_tokens or 0


class SummaryEngine:
    """Ask, validate, re-ask with the error; only validated answers come out."""

    def __init__(self, client: ChatClient, prompts: PromptSet, ladder: ModeLadder | None = None,
                 language: Language | None = None, fulltext_prompts: PromptSet | None = None) -> None:
        self.client = client
        self.prompts = prompts
        self.fulltext_prompts = fulltext_prompts
        self.settings = client.settings
        self.language = language or resolve_language(self.settings.language)
        self.ladder = ladder or ModeLadder(self.settings.structured_output, self.language.script_pattern)

    @property
    def template(self) -> str:
        """The prompt's own text, against which answers that echo it are checked."""
        return self.prompts.system + "\n" + self.prompts.user

    def _refused(self, paper_id: str | None, attempt: int, kind: str, reason: str, answer: Answer) -> None:
        answer.reasons.append(reason)
        if attempt < self.settings.max_attempts:
            self.client.usage.reasks[kind] += 1
            log.info("re-asking %s: answer %d of %d refused (%s): %s", paper_id or "text", attempt,
                     self.settings.max_attempts, kind, reason)

    async def ask(self, messages: list[dict[str, Any]], check: Callable[[str | None], Any],
                  paper_id: str | None = None) -> Answer:
        original = list(messages)
        messages = list(messages)
        max_tokens = self.settings.max_tokens
        answer = Answer(value=None, attempts=0)
        self.client.usage.asked += 1
        while answer.attempts < self.settings.max_attempts:
            mode = self.ladder.mode
            try:
                done = await self.client.create(messages, self.ladder.schema_for(self.prompts.schema, mode), mode,
                                                max_tokens, paper_id)
            except ModeRejected as exc:
                if not self.ladder.step_down(mode):
                    raise
                answer.reasons.append(str(exc))
                continue
            answer.count(done)
            if done.refusal:
                self._refused(paper_id, answer.attempts, "refusal", f"the model refused: {done.refusal[:200]}", answer)
            elif done.finish_reason == "content_filter":
                self._refused(paper_id, answer.attempts, "content_filter",
                              "the provider's content filter withheld the answer", answer)
            elif done.finish_reason == "length":
                self._refused(paper_id, answer.attempts, "cut_off", f"answer cut off at max_tokens={max_tokens}",
                              answer)
                max_tokens = min(max_tokens * 2, self.settings.max_tokens_ceiling)
            else:
                try:
                    answer.value = check(done.text)
                except AnswerInvalid as exc:
                    self._refused(paper_id, answer.attempts, exc.kind, str(exc), answer)
                    if await self._rewrite_fields(original, exc, check, max_tokens, paper_id, answer):
                        return answer
                    if exc.fresh:  # a new sample, not a correction anchored to the refused answer
                        messages = original + [{"role": "user", "content": exc.fresh}]
                    else:
                        messages += reask_messages(done.text or "", str(exc))
                    continue
                if answer.attempts == 1:
                    self.client.usage.first_accepted += 1
                return answer
        raise AnswerRejected(f"no valid answer after {answer.attempts} attempts: {answer.reasons[-1]}",
                             paper_id=paper_id, reasons=answer.reasons)

    async def _rewrite_fields(self, original: list[dict[str, Any]], failure: AnswerInvalid,
                              check: Callable[[str | None], Any], max_tokens: int, paper_id: str | None,
                              answer: Answer) -> bool:
        """Ask for the fields that repeated others (or were written in another language) on their own, put them
        back, check the whole answer.

        A small model asked for all five fields again tends to copy the same pair again. Asked for
        the one field, it writes something new, as long as the note does not quote the text to avoid:
        Qwen2.5-Coder-1.5B wrote a quoted text back in 7 of 10 tries; unquoted, 8 of 10 rewrites
        passed. The note names every other field, not only the one repeated: a rewrite that avoided
        only that one repeated a third field instead (3 times in 10 benchmark runs). Repeats that
        remain are asked for again the same way while attempts last; True once the whole answer passes.
        """
        rewrite = failure.rewrite
        while rewrite is not None and answer.attempts < self.settings.max_attempts:
            note = self._rewrite_note(rewrite)
            names = rewrite.names
            try:
                value = await self._ask_fields(original, names, note, rewrite.fields, check, max_tokens, paper_id,
                                               answer)
            except AnswerInvalid as exc:
                self._refused(paper_id, answer.attempts, exc.kind, str(exc), answer)
                rewrite = exc.rewrite
                continue
            if value is None:  # a provider that refuses this mode for the small schema: ask for all five instead
                return False
            answer.value = value
            return True
        return False

    def _rewrite_note(self, rewrite: Rewrite) -> str:
        names = rewrite.names
        asked = "; ".join(f"'{name}': {FIELD_PURPOSE.get(name, name)}" for name in names)
        keys = " and ".join(f"'{name}'" for name in names)
        answer_with = f"Answer with a JSON object with the keys {keys} only."
        if rewrite.reason == "language":
            them = "it" if len(names) == 1 else "them"
            return (f"Write again, on its own, {asked}. Write {them} in {self.language.name}: every sentence in "
                    f"{self.language.name}, only names and terms may stay in English.\n{answer_with}")
        avoid = ", ".join(f"'{name}'" for name in rewrite.fields if name not in names)
        return (f"Write again, on its own, {asked}. Say only that, nothing that the other fields ({avoid}) say, in "
                f"new words.\nWrite in {self.language.name}. {answer_with}")

    async def _ask_fields(self, original: list[dict[str, Any]], names: Sequence[str], note: str,
                          fields: dict[str, str], check: Callable[[str | None], Any], max_tokens: int,
                          paper_id: str | None, answer: Answer) -> Any:
        """One request for the fields `names` alone (`note` says what to write), their answers put back into
        `fields` and the whole answer checked: the checked value, or None when the provider refuses the mode for
        the small schema. An answer cut off or without those keys raises AnswerInvalid, as `check` does."""
        keys = " and ".join(f"'{name}'" for name in names)
        schema = {"type": "object", "properties": {name: {"type": "string"} for name in names},
                  "required": list(names), "additionalProperties": False}
        mode = self.ladder.mode
        try:
            done = await self.client.create(original + [{"role": "user", "content": note}],
                                            self.ladder.schema_for(schema, mode), mode, max_tokens, paper_id)
        except ModeRejected:
            return None
        answer.count(done)
        if done.finish_reason == "length":
            raise AnswerInvalid(f"answer cut off at max_tokens={max_tokens}", "cut_off")
        value = extract_json_object(done.text)
        if not isinstance(value, dict) or not all(isinstance(value.get(n), str) and value[n].strip() for n in names):
            raise AnswerInvalid(f"the answer must be a JSON object with the keys {keys}", "schema")
        return check(json.dumps({**fields, **{n: value[n] for n in names}}, ensure_ascii=False))

    async def _result_with_numbers(self, paper: Paper, system: list[dict[str, Any]], evidence: list[Quote],
                                   source: SourceIndex, answer: Answer) -> Answer:
        """A Result written from the full text without a number, while the body states numbers: "result" alone is
        asked for again in a short request of its own (the paper's title, the Result in words, the body's
        sentences that hold the numbers), up to RESULT_TRIES times, each try after the first told why the
        last was not taken. Asked for all five fields again, the 1.5B model of `bench_fulltext.py` ran into
        1,000 tokens of repetition (8 of 8 times). Asked for the Result alone after the paper's 6,000 tokens
        again, it wrote words 9 times in 12; in this short request, 8 in 13, at about a tenth of the input tokens.
        A new Result stands if it states a number and adds none the text does not; else the first stays."""
        why = ""
        first, check = answer.value.result, self.check(paper)
        for _ in range(RESULT_TRIES):
            self.client.usage.reasks["result_without_numbers"] += 1
            note = (f"Title: {paper.title}\n{why}The paper's 'result' ({FIELD_PURPOSE['result']}) was written "
                    f"without a number: «{first}». {reask_note(Checks(), evidence)}.\nWrite in "
                    f"{self.language.name}. Answer with a JSON object with the key 'result' only.")
            log.info("re-asking for the result: %s", note)
            try:
                again = await self._ask_fields(system, ("result",), note, answer.value.model_dump(), check,
                                               self.settings.max_tokens, paper.id, answer)
            except RunStopped:
                raise
            except (AnswerInvalid, LLMError) as exc:  # the first answer is valid and paid for: it stays
                answer.reasons.append(str(exc))
                log.info("the result of %s is not rewritten: %s", paper.id, exc)
                return answer
            if again is None:
                return answer
            unsupported = ", ".join(m.number for m in check_summary(again, source).unsupported)
            if unsupported:
                why = f"Your last 'result' «{again.result}» states numbers the text does not: {unsupported}. "
            elif not states_a_number(again.result):
                why = f"Your last 'result' «{again.result}» still states no number. "
            else:
                answer.value = again
                return answer
            log.info("the rewritten result of %s is not taken: %s", paper.id, why)
        return answer

    def messages(self, paper: Paper, body: str | None = None) -> list[dict[str, str]]:
        """The request for `paper`; with `body` (the paper's selected full text) through the full-text prompt."""
        lang = self.language
        prompts = self.fulltext_prompts if body is not None and self.fulltext_prompts else self.prompts
        return prompts.messages(language=lang.name, instruction=lang.instruction, id=paper.id,
                                title=paper.title, abstract=paper.abstract, text=body or "",
                                fulltext_note=lang.fulltext_note)

    def check(self, paper: Paper) -> Callable[[str | None], Summary]:
        threshold, template, lang = self.settings.min_target_ratio, self.template, self.language
        return lambda text: validate_answer(text, paper.abstract, lang, threshold, template)

    async def summarize(self, paper: Paper, body: str | None = None) -> Answer:
        """A validated summary; one whose numbers the text shown does not state, or (from the full text) whose
        Result has no number while the body's results have, is asked again, once, saying so. The better of the
        two answers stands (the gate marks what is still unsupported)."""
        messages = self.messages(paper, body)
        answer = await self.ask(messages, self.check(paper), paper_id=paper.id)
        source = SourceIndex.of(source_text(paper.title, body if body is not None else paper.abstract))
        checks = check_summary(answer.value, source)
        evidence = [] if body is None else result_evidence(
            answer.value, body, SourceIndex.of(source_text(paper.title, paper.abstract)))
        if not checks.unsupported and not evidence:
            return answer
        if not checks.unsupported:
            system = [m for m in messages[:1] if m["role"] == "system"]
            return await self._result_with_numbers(paper, system, evidence, source, answer)
        usage = self.client.usage
        usage.reasks["unsupported_number"] += 1
        note = reask_note(checks, evidence)
        log.info("re-asking %s: %s", paper.id, note)
        first = json.dumps(answer.value.model_dump(), ensure_ascii=False)
        try:
            again = await self.ask(messages + reask_messages(first, note), self.check(paper), paper_id=paper.id)
        except RunStopped:
            raise
        except LLMError as exc:  # AnswerRejected too: the first answer stands, its numbers marked by the gate
            log.info("the re-ask of %s failed, the first answer stands: %s", paper.id, exc)
            return answer
        finally:
            usage.asked -= 1  # one paper asked, whatever the re-asks
        usage.first_accepted -= 1 if again.attempts == 1 else 0
        again.attempts += answer.attempts
        again.prompt_tokens += answer.prompt_tokens
        again.completion_tokens += answer.completion_tokens
        if len(check_summary(again.value, source).unsupported) > len(checks.unsupported):
            again.value = answer.value
        return again
