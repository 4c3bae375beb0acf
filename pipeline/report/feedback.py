"""The trainee's feedback: what went well and what to do next time, per criterion.

Built once from a QualityReport and rendered by both the Markdown file and the call page, so a
trainee reads the same words in either.  The sentences come from the rubric (already in the
report language, with the trainee's own quote); this module only chooses, orders and points
each one at the moment of the call to listen to.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.evidence import Evidence
from pipeline.report.model import QualityReport
from pipeline.report.wording import Wording
from pipeline.scoring import CriterionResult
from pipeline.transcript import AGENT

# What to work on first: what fails the call, then what costs most.
_URGENCY = {"not_met": 0, "partial": 1}


@dataclass(frozen=True)
class Point:
    criterion_id: str
    title: str
    status: str
    text: str
    moment: Evidence | None      # where to listen: the trainee's own words when there are some


@dataclass(frozen=True)
class TraineeFeedback:
    intro: str
    went_well: tuple[Point, ...]
    next_time: tuple[Point, ...]


def trainee_feedback(report: QualityReport, words: Wording) -> TraineeFeedback:
    """Group the criteria into strengths and next steps; not-applicable ones are left out."""
    criteria = report.scorecard.criteria
    went_well = tuple(_point(c) for c in criteria if c.status == "met")
    to_work = sorted((c for c in criteria if c.status in _URGENCY),
                     key=lambda c: (not c.critical, _URGENCY[c.status], -c.weight))
    next_time = tuple(_point(c) for c in to_work)
    return TraineeFeedback(_intro(report, words, len(next_time)), went_well, next_time)


def _intro(report: QualityReport, words: Wording, to_work: int) -> str:
    card = report.scorecard
    if not any(c.status != "not_applicable" for c in card.criteria):
        return words.intro_nothing
    score = f"{card.score:.0f}"
    if card.verdict == "OK":
        return words.intro_ok.format(score=score)
    return words.intro_nok.format(score=score, count=max(to_work, 1))


def _point(criterion: CriterionResult) -> Point:
    return Point(criterion.id, criterion.title, criterion.status, criterion.feedback,
                 _moment(criterion))


def _moment(criterion: CriterionResult) -> Evidence | None:
    # The feedback quotes the agent's words first (scoring.render_feedback); point at the same.
    agent = [e for e in criterion.evidence if e.speaker == AGENT]
    chosen = agent or list(criterion.evidence)
    return chosen[0] if chosen else None
