"""Scoring: run each rubric criterion's detector on a transcript and weigh the verdicts.

met = 1, partial = 0.5, not_met = 0; not_applicable leaves the denominator.  The call is OK when
the weighted score (0-100) reaches the rubric's pass mark and no critical criterion is not_met.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, Mapping

from pipeline.detectors import get_detector
from pipeline.evidence import Detection, Evidence, Status
from pipeline.rubric import REPORT_LANGUAGES, Criterion, Rubric
from pipeline.transcript import AGENT, Transcript

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


def render_feedback(template: str, detection: Detection) -> str:
    """Fill `{quote}` and the detection's facts into a template.

    The quote is the first evidence the agent said, when there is one: feedback speaks to the
    trainee about their own words, not the customer's.
    """
    agent = [e for e in detection.evidence if e.speaker == AGENT]
    chosen = (agent or list(detection.evidence))[:1]
    quote = chosen[0].text.strip() if chosen else ""
    if len(quote) > QUOTE_CHARS:
        quote = quote[:QUOTE_CHARS - 1].rstrip() + "…"
    values = _Blank(detection.facts)
    values["quote"] = quote
    return template.format_map(values)


__all__ = ["CriterionResult", "Scorecard", "render_feedback", "score_transcript",
           "weighted_score"]
