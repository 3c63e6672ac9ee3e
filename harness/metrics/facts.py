"""`facts`: how many of the article's key facts the summary states (`recall`, FineSurE's
completeness), and how many of its bullets state one (`conciseness`).

Where the key facts come from, recorded per document as `provenance`:
- the dataset (`dataset.facts_field`, `Example.facts`): used as they are ("dataset");
- else, with a judge (`judge=NAME`), the judge extracts them once per article with the `keyfacts`
  prompt: short, atomic, most important first, at most `max_facts`; duplicates, empty and overlong
  ones dropped ("judge:<label>@<identity hash>+keyfacts@<version>"). The reply is cached like
  every judge reply, so every model's run over the dataset is checked against the same facts.
FineSurE (Song, Su, Kim, Hwang; ACL 2024) measured completeness against human key facts at
r ~ .71 with human judgments but ~ .27 against LLM-extracted ones: which facts a run used is part
of its result, so `harness compare` refuses runs whose facts differ on a shared document.

How each fact is aligned to the bullets that state it (`bullets`, 0-based):
- with a judge, the `align` prompt (FineSurE's key-fact alignment): a fact is stated when the judge
  names at least one bullet for it; recall is the share of facts stated. A reply that cannot be read
  is asked again once with a stricter last line; if that fails too (or the request failed) the
  document has no facts values (null, counted under `not_applicable`), never 0.
- without one, model-free matching (a fact's score: the share of its content words the summary
  contains, each weighted by its rarity across the document's facts) or, with `model` set, its
  highest entailment probability over the summary's sentences or chunks (the NLI scorer of
  `support_nli`). A fact is stated when its score reaches `threshold`; its bullets are then the
  bullets its evidence comes from. Recall stays what it always was here: the mean fact score
  (`hard: true`: the share stated).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from harness.config.schema import check_range
from harness.judge.replies import numbered_items, read_json
from harness.metrics.base import Scored
from harness.metrics.facts_detail import FactEntry, FactsDetail, facts_hash
from harness.metrics.judged import JudgedMetric
from harness.metrics.lexical import Passage, content_coverage, idf_weights
from harness.metrics.nli import Granularity, NLIScorer, NLISettings, best_support
from harness.models.base import Generation, Request
from harness.models.cache import stable_hash
from harness.records import Example, Summary
from harness.text.tokens import split_sentences

log = logging.getLogger(__name__)

# REALSumm's human key facts (SCUs) of CNN/DM references, the facts FineSurE's .71 was measured
# against: median 10 per document (mean 10.6, quartiles 9-12, 100 documents).
MAX_FACTS = 10
MAX_FACT_WORDS = 40  # the prompt asks for at most 15; a longer "fact" is a paragraph, not one fact
# Appended to a request whose reply could not be read, for the one retry.
STRICTER = (
    "\n\nYour previous reply could not be read. Reply with the JSON only, exactly in the format shown "
    "above: no other text, no code fence."
)
ALIGN_NUMBER_KEYS = ("fact", "key_fact", "id", "index", "number")  # never "sentence": that is the answer
ALIGN_LIST_KEYS = ("sentences", "sentence", "lines", "line_numbers", "bullets", "summary_sentences")
_MARKER = re.compile(r"^(?:\d{1,2}[.)]|[-*\u2022])\s+")  # "1. ", "- ", "• " before a fact
_INDEX = re.compile(r"\s*(?:\[|#|(?:sentence|line|bullet)\s*)?(\d{1,4})\]?\s*", re.IGNORECASE)


@dataclass
class FactsOptions(NLISettings):
    model: str | None = None  # None: model-free matching; else an NLI model (hub id or folder)
    granularity: Granularity = "chunk"  # with a model: summary chunks as premises (facts often span bullets)
    threshold: float = 0.5  # without a judge: a fact scoring below this counts as missing
    hard: bool = False  # without a judge: recall counts facts at/above the threshold, instead of averaging scores
    weighting: Literal["idf", "uniform"] = "idf"  # model-free: content-word weights
    max_facts: int = MAX_FACTS  # key facts the judge extracts per article (most important first)
    judge: dict[str, Any] | None = None  # the run's judge: extracts facts where the data has none, aligns them
    cache_dir: str | None = None  # the judge's replies are cached under it (None: results/.cache)

    def __post_init__(self) -> None:
        check_range("metrics.facts.max_facts", self.max_facts, 1, 100)


@dataclass
class KeyFacts:
    """One document's key facts and where they come from; `problem`: why there are none."""

    facts: list[str]
    provenance: str
    problem: str | None = None
    reply: str | None = None


@dataclass
class Alignment:
    """Per fact: its score, whether it is stated, the bullets stating it (0-based) and the
    evidence shown; `problem`: why the document has no alignment (then the lists are empty)."""

    scores: list[float] = field(default_factory=list)
    stated: list[bool] = field(default_factory=list)
    bullets: list[list[int]] = field(default_factory=list)
    evidence: list[list[str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what was repaired or dropped in the judge's reply
    problem: str | None = None
    reply: str | None = None


@dataclass
class Answer:
    """A judge reply read by a task's reader: the value, or why there is none."""

    value: Any
    text: str | None
    problem: str | None = None
    unreadable: bool = False  # answered, but not in a form the reader takes: worth one stricter retry


def numbered(lines: Sequence[str]) -> str:
    """A numbered list as the judge prompts show one: "[1] text", one per line."""
    return "\n".join(f"[{i}] {' '.join(line.split())}" for i, line in enumerate(lines, 1))


def clean_facts(items: Sequence[Any], max_facts: int) -> list[str]:
    """The judge's key facts in its order: strings (or {"fact": ...}), whitespace collapsed;
    empty, overlong and repeated ones (case and punctuation ignored) dropped; the first `max_facts`."""
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        if isinstance(item, dict):
            item = next((item[k] for k in ("fact", "key_fact", "text") if isinstance(item.get(k), str)), None)
        if not isinstance(item, str):
            continue
        text = _MARKER.sub("", " ".join(item.split()))
        key = " ".join(re.findall(r"\w+", text.lower()))
        if not key or len(text.split()) > MAX_FACT_WORDS or key in seen:
            continue
        seen.add(key)
        out.append(text)
        if len(out) == max_facts:
            break
    return out


def read_key_facts(text: str | None, max_facts: int) -> list[str] | None:
    """The key facts of a `keyfacts` reply ({"key_facts": [...]}, another object holding one list,
    or a bare list); None when none can be read."""
    wrapper = read_json(text, dict)
    named = wrapper.value.get("key_facts") if wrapper is not None else None
    if isinstance(named, list):
        items = named
    else:
        reply = read_json(text, list)  # a bare list, or the one list of a wrapper object
        items = reply.value if reply is not None else []
    return clean_facts(items, max_facts) or None


def _bullet_index(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and (m := _INDEX.fullmatch(value)):
        return int(m.group(1))
    return None


def read_alignment(text: str | None, facts: int, bullets: int) -> tuple[list[list[int]], list[str]] | None:
    """Per fact, the 0-based bullets an `align` reply names for it, and what was repaired or
    dropped (a bullet number out of range is dropped and reported). None when the reply does not
    give every fact a list of bullets."""
    reply = read_json(text, list)
    if reply is None:
        return None
    items, problems = numbered_items(reply.value, facts, ALIGN_NUMBER_KEYS)
    problems = [*reply.repairs, *problems]
    out: list[list[int]] = []
    for position, item in enumerate(items, 1):
        if item is None:
            return None
        lowered = {str(k).strip().lower(): v for k, v in item.items()}
        raw = next((lowered[k] for k in ALIGN_LIST_KEYS if k in lowered), None)
        if raw is None:
            return None
        indices: set[int] = set()
        for value in raw if isinstance(raw, list) else [raw]:
            number = _bullet_index(value)
            if number is None or not 1 <= number <= bullets:
                problems.append(f"fact {position}: sentence {value!r} is not one of 1..{bullets}, dropped")
                continue
            indices.add(number - 1)
        out.append(sorted(indices))
    return out, problems


class Facts(JudgedMetric):
    name = "facts"
    fields = {
        "recall": "share of the key facts the summary states (completeness; model-free: mean fact score, "
        "with hard: the share at/above the threshold)",
        "conciseness": "share of the summary's bullets that state at least one key fact",
        "missing": "number of key facts the summary does not state",
    }
    lower_is_better = frozenset({"missing"})
    headline = ("recall", "conciseness")
    ranges = {"recall": (0.0, 1.0), "conciseness": (0.0, 1.0), "missing": (0.0, None)}
    requires = frozenset({"facts"})  # lifted when a judge is chosen: it extracts them
    judge_provides = frozenset({"facts"})
    tasks = ("keyfacts", "align")
    needs_judge = False
    method = "lexical"  # the class's default; an instance says its own (field_method)
    Options = FactsOptions

    def __init__(self, options: FactsOptions | None = None, scorer=None):
        super().__init__(options)
        self.scorer = scorer
        if self.judge is not None:
            if self.options.model:
                log.warning(
                    "metrics.%s: the judge aligns the facts; the NLI model %s is not used",
                    self.name,
                    self.options.model,
                )
        elif scorer is None and self.options.model:
            self.scorer = NLIScorer(self.options, f"metrics.{self.name}")

    @staticmethod
    def unstated(facts: int) -> Alignment:
        """The alignment of facts to a summary without bullets: none stated."""
        return Alignment([0.0] * facts, [False] * facts, [[] for _ in range(facts)], [[] for _ in range(facts)])

    @property
    def matching(self) -> str:
        """How facts are matched to bullets (the details' `method`)."""
        return "judge" if self.judge is not None else "nli" if self.scorer is not None else "lexical"

    def field_method(self, field: str) -> str:
        return "llm-judge" if self.judge is not None else "nli" if self.options.model else "lexical"

    def score(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[Scored]:
        keyfacts = self.key_facts(examples)
        if self.judge is not None:
            alignments = self._judge_alignments(examples, summaries, keyfacts)
        else:
            alignments = [self._matched(k.facts, s) for k, s in zip(keyfacts, summaries)]
        rows = [self._row(k, a, s) for k, a, s in zip(keyfacts, alignments, summaries)]
        unscored = sum(r.values["recall"] is None and bool(r.not_applicable) for r in rows)
        if self.judge is not None and unscored:
            log.warning(
                "%s: %d document(s) have no key-fact scores (see not_applicable in metrics.json)", self.name, unscored
            )
        return rows

    # -- key facts ------------------------------------------------------------------------------
    def provenance(self) -> str:
        if self.judge is None:
            return "dataset"
        identity = stable_hash(self.judge.identity, 10)
        return f"judge:{self.judge.label}@{identity}+{self.judge.prompt('keyfacts').version}"

    def key_facts(self, examples: Sequence[Example]) -> list[KeyFacts]:
        """Each example's key facts: the dataset's, else (with a judge) the judge's."""
        out = [KeyFacts([f for f in e.facts if f.strip()], "dataset") for e in examples]
        todo = [i for i, k in enumerate(out) if not k.facts]
        if self.judge is None or not todo:
            return out
        judge, provenance = self.judge, self.provenance()
        requests = [
            judge.request(
                "keyfacts",
                examples[i].doc_id,
                examples[i].source,
                article=examples[i].source,
                max_facts=str(self.options.max_facts),
            )
            for i in todo
        ]
        answers = self._ask(requests, lambda text: read_key_facts(text, self.options.max_facts), "key facts")
        for i, answer in zip(todo, answers):
            out[i] = KeyFacts(answer.value or [], provenance, answer.problem, answer.text if answer.problem else None)
        return out

    # -- alignment ------------------------------------------------------------------------------
    def _judge_alignments(
        self, examples: Sequence[Example], summaries: Sequence[Summary], keyfacts: Sequence[KeyFacts]
    ) -> list[Alignment]:
        assert self.judge is not None
        out = [self.unstated(len(k.facts)) for k in keyfacts]
        todo = [i for i, (k, s) in enumerate(zip(keyfacts, summaries)) if k.facts and s.bullets]
        requests = [
            self.judge.request(
                "align",
                examples[i].doc_id,
                examples[i].source,
                facts=numbered(keyfacts[i].facts),
                summary=numbered(summaries[i].bullets),
                fact_count=str(len(keyfacts[i].facts)),
            )
            for i in todo
        ]

        def reader(i: int) -> Callable[[str | None], Any]:
            return lambda text: read_alignment(text, len(keyfacts[i].facts), len(summaries[i].bullets))

        answers = self._ask(requests, [reader(i) for i in todo], "alignment")
        for i, answer in zip(todo, answers):
            if answer.value is None:
                out[i] = Alignment(problem=answer.problem, reply=answer.text)
                continue
            bullets, problems = answer.value
            texts = summaries[i].bullets
            stated = [bool(b) for b in bullets]
            out[i] = Alignment(
                [float(s) for s in stated], stated, bullets, [[texts[j] for j in b] for b in bullets], problems
            )
        return out

    def _ask(
        self,
        requests: list[Request],
        read: Callable[[str | None], Any] | list[Callable[[str | None], Any]],
        what: str,
    ) -> list[Answer]:
        """The judge's replies read by `read` (one reader, or one per request); a reply that cannot
        be read is asked again once with STRICTER appended (a new request, cached as such)."""
        assert self.judge is not None
        readers = read if isinstance(read, list) else [read] * len(requests)
        answers = [self._read(g, r, what) for g, r in zip(self.judge.ask(requests), readers)]
        again = [i for i, a in enumerate(answers) if a.unreadable]
        if again:
            stricter = [replace(requests[i], prompt=requests[i].prompt + STRICTER) for i in again]
            for i, generation in zip(again, self.judge.ask(stricter)):
                answer = self._read(generation, readers[i], what)
                if answer.unreadable:
                    answer.problem = f"unreadable judge reply ({what}), twice"
                answers[i] = answer
        return answers

    @staticmethod
    def _read(generation: Generation, read: Callable[[str | None], Any], what: str) -> Answer:
        if generation.error or generation.text is None:
            return Answer(None, None, f"judge request failed ({what})")
        value = read(generation.text)
        if value is None:
            return Answer(None, generation.text, f"unreadable judge reply ({what})", unreadable=True)
        return Answer(value, generation.text)

    def _matched(self, facts: list[str], summary: Summary) -> Alignment:
        """Model-free or NLI alignment: per fact its score, evidence and (when stated) the bullets
        the evidence comes from."""
        if not facts or not summary.bullets:
            return self.unstated(len(facts))
        if self.scorer is not None:
            premises, matrix = best_support(self.scorer, summary.text, facts)
            found = []
            for row in matrix:
                best = max(range(len(row)), key=row.__getitem__) if row else None
                found.append((row[best], [premises[best]]) if best is not None else (0.0, []))
        else:
            passage = Passage.from_sentences(list(summary.bullets))
            weights = idf_weights(facts) if self.options.weighting == "idf" else None
            found = []
            for fact in facts:
                c = content_coverage(fact, passage, weights)
                found.append((c.score, [passage.sentences[i] for i in c.evidence]))
        scores = [s for s, _ in found]
        stated = [s >= self.options.threshold for s in scores]
        bullets = [bullets_of(evidence, summary.bullets) if st else [] for st, (_, evidence) in zip(stated, found)]
        return Alignment(scores, stated, bullets, [evidence for _, evidence in found])

    # -- one document's row -----------------------------------------------------------------------
    def _row(self, keyfacts: KeyFacts, alignment: Alignment, summary: Summary) -> Scored:
        """The document's values and its details (a `FactsDetail`, harness/metrics/facts_detail.py)."""
        threshold = None if self.judge is not None else self.options.threshold
        problem = keyfacts.problem or alignment.problem
        if problem or not keyfacts.facts:
            why = problem or "no key facts for this document (the dataset gives none)"
            unaligned = FactsDetail(
                self.matching,
                keyfacts.provenance,
                threshold,
                tuple(FactEntry(f) for f in keyfacts.facts),
                facts_hash=facts_hash(keyfacts.facts) if keyfacts.facts else None,
                problem=why,
                reply=keyfacts.reply if keyfacts.problem else alignment.reply,
            )
            return Scored(
                dict.fromkeys(self.fields),
                unaligned.to_json() if keyfacts.facts or problem else None,
                dict.fromkeys(self.fields, why),
            )
        facts, stated = keyfacts.facts, alignment.stated
        # the judge's verdicts are yes/no; model-free scores keep their soft mean unless `hard`
        shares = stated if self.judge is not None or self.options.hard else alignment.scores
        recall = sum(shares) / len(facts)
        has_fact = [any(i in b for b in alignment.bullets) for i in range(len(summary.bullets))]
        values: dict[str, float | None] = {
            "recall": recall,
            "conciseness": sum(has_fact) / len(has_fact) if has_fact else None,
            "missing": float(len(facts) - sum(stated)),
        }
        aligned = FactsDetail(
            self.matching,
            keyfacts.provenance,
            threshold,
            tuple(
                FactEntry(f, round(s, 4), st, tuple(ev), tuple(b))
                for f, s, st, ev, b in zip(facts, alignment.scores, stated, alignment.evidence, alignment.bullets)
            ),
            bullet_has_fact=tuple(has_fact),
            facts_hash=facts_hash(facts),
            problems=tuple(alignment.problems),
        )
        not_applicable = {} if has_fact else {"conciseness": "the summary has no bullets"}
        return Scored(values, aligned.to_json(), not_applicable)


def bullets_of(evidence: Sequence[str], bullets: Sequence[str]) -> list[int]:
    """The bullets (0-based) an evidence text comes from: a bullet, a sentence of one, or a chunk
    of the summary holding whole bullets."""
    out = []
    for i, bullet in enumerate(bullets):
        sentences = split_sentences(bullet) or [bullet]
        if any(bullet in e or e in bullet or any(s in e for s in sentences) for e in evidence):
            out.append(i)
    return out
