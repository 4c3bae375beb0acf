"""Scoring: run each rubric criterion's detector on a transcript and weigh the verdicts.

met = 1, partial = 0.5, not_met = 0; not_applicable leaves the denominator.  The call is OK when
the weighted score (0-100) reaches the rubric's pass mark and no critical criterion is not_met.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, Mapping

from pipeline.detectors import get_detector
from pipeline.evidence import Detection, Evidence, Status
from pipeline.rubric import REPORT_LANGUAGES, Criterion, Rubric
from pipeline.text import strip_tags
from pipeline.transcript import AGENT, CUSTOMER, Transcript

Verdict = Literal["OK", "NOK"]
STATUS_VALUE: Mapping[str, float] = {"met": 1.0, "partial": 0.5, "not_met": 0.0}
QUOTE_CHARS = 160


@dataclass(frozen=True)
class CriterionResult:
    id: str
    title: str
    status: Status
    evidence: tuple[Evidence, ...]
    competences: tuple[str, ...]
    weight: float
    critical: bool
    feedback: str
    facts: Mapping[str, int | float]
    note: str = ""


@dataclass(frozen=True)
class Scorecard:
    criteria: tuple[CriterionResult, ...]
    score: float
    verdict: Verdict


def score_transcript(transcript: Transcript, rubric: Rubric, *,
                     report_language: str | None = None) -> Scorecard:
    """Score one call against a rubric; feedback in `report_language` (default: the call's)."""
    language = report_language or transcript.language
    language = language if language in REPORT_LANGUAGES else "en"
    results = tuple(_result(criterion, transcript, language) for criterion in rubric.criteria)
    score = weighted_score(results)
    critical_failed = any(r.critical and r.status == "not_met" for r in results)
    applicable = any(r.status in STATUS_VALUE for r in results)
    ok = applicable and score >= rubric.pass_mark and not critical_failed
    return Scorecard(criteria=results, score=score, verdict="OK" if ok else "NOK")


def weighted_score(results: tuple[CriterionResult, ...]) -> float:
    """Weighted 0-100 score of the applicable criteria (0 when none applies)."""
    applicable = [r for r in results if r.status in STATUS_VALUE]
    total = sum(r.weight for r in applicable)
    if not total:
        return 0.0
    return round(100 * sum(r.weight * STATUS_VALUE[r.status] for r in applicable) / total, 1)


def _result(criterion: Criterion, transcript: Transcript, language: str) -> CriterionResult:
    detection: Detection = get_detector(criterion.detector).detect(
        transcript, criterion.detector_params())
    template = getattr(criterion.feedback, detection.status).get(language)
    return CriterionResult(
        id=criterion.id, title=criterion.title.get(language), status=detection.status,
        evidence=detection.evidence, competences=criterion.competences,
        weight=criterion.weight, critical=criterion.critical,
        feedback=render_feedback(template, detection),
        facts=MappingProxyType(dict(detection.facts)),
        note=detection.note)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


# Evidence labels that show what went wrong: a partial or not-met verdict quotes those first.
_PROBLEM_LABELS = ("beyond the limit", "unanswered", "interruption", "?)", "over the limit",
                   "sentence of")
# Labels of the stretch a detector looked at (where something is missing): quoted for a
# not-met verdict, after what was found for the others.
_CONTEXT_LABELS = ("last turns", "last words", "examined", "(no ", "opening")

# A quote wrapper around a placeholder, dropped when there is nothing to quote:
# ` (« {quote} »)`, ` ("{quote}")`, `« {quote} »`.
_WRAPPED = r'(?:\s*\((?:«\s*|")?\{%s\}(?:\s*»|")?\)|(?:«\s*|")\{%s\}(?:\s*»|"))'


def render_feedback(template: str, detection: Detection) -> str:
    """Fill `{quote}`, `{customer_quote}` and the detection's facts into a template.

    `{quote}` is the agent's own words when the evidence has some: feedback speaks to the
    trainee about what they said.  On a partial or not-met verdict it is the evidence that
    shows the problem (the rebuttal beyond the limit, the interruption, the reply with no
    reformulation) when there is one.  `{customer_quote}` is what the customer said.  A
    placeholder with nothing to quote is dropped with its quotation marks.
    """
    # Never the customer's words as the trainee's: with no agent quote, a measurement
    # ("6.2 s of silence") or nothing.
    agent = [e for e in detection.evidence if e.speaker == AGENT] or \
        [e for e in detection.evidence if e.speaker not in (AGENT, CUSTOMER)]
    agent.sort(key=lambda e: _quote_rank(e.label, detection.status))
    customer = [e for e in detection.evidence if e.speaker == CUSTOMER]
    values = _Blank(detection.facts)
    values["quote"] = _clip(agent[0].text if agent else "")
    values["customer_quote"] = _clip(customer[0].text if customer else "")
    for name in ("quote", "customer_quote"):
        if not values[name]:
            template = re.sub(_WRAPPED % (name, name), "", template)
    text = template.format_map(values)
    # Only "." and "," lose a space before them: French puts one before ":" and ";".
    return re.sub(r"\s+([.,])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()


def _quote_rank(label: str, status: str) -> tuple[bool, ...]:
    problem = any(mark in label for mark in _PROBLEM_LABELS)
    context = any(mark in label for mark in _CONTEXT_LABELS)
    if status == "not_met":
        return (not problem, not context)
    if status == "partial":
        return (not problem, context)
    return (context,)


def _clip(text: str) -> str:
    text = " ".join(strip_tags(text).split())
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 1].rstrip() + "…"


__all__ = ["CriterionResult", "Scorecard", "render_feedback", "score_transcript",
           "weighted_score"]
