"""Measuring the pipeline against labelled calls (`callqa evaluate`, tests, benchmarks).

A labelled folder holds `truth/<call_id>.json` files (see sample_calls/truth) whose `audio` is
relative to the folder.  Each call is scored twice: from its reference transcript (detector
errors only) and from its audio (ASR + diarisation + detector errors), so the two kinds of
error can be told apart.  One place says what "right" means for statuses, objection counts,
silence gaps and roles.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Literal

from pipeline.analysis import AnalysisOptions, analyse, assess
from pipeline.errors import CallQAError, Failure
from pipeline.report.model import QualityReport
from pipeline.rubric import Rubric
from pipeline.transcript import Gap, Transcript, Turn

Source = Literal["transcript", "audio"]
NOT_MET = "not_met"


class EvaluationError(CallQAError):
    """A labelled folder or ground-truth file cannot be used."""


@dataclass(frozen=True)
class Truth:
    call_id: str
    audio: str                                  # relative to the labelled folder
    language: str
    channels: int
    duration_s: float
    turns: tuple[Turn, ...]
    gaps: tuple[tuple[float, float, str], ...]  # (start, end, kind)
    statuses: dict[str, str]
    objections: int
    rebuttals: int


@dataclass(frozen=True)
class LabelledCall:
    truth: Truth
    audio_path: Path | None                     # None when the recording is not at hand


@dataclass(frozen=True)
class Comparison:
    call_id: str
    statuses: dict[str, tuple[str, str]]   # criterion -> (expected, found)
    role_accuracy: float                    # share of reference speech given the right role
    gaps_matched: int                       # same start and end within the tolerance
    gaps_kind_matched: int                  # ... and the same kind (hold / dead air)
    gaps_expected: int
    gaps_found: int
    objections: tuple[int, int]             # (expected, found)

    @property
    def status_hits(self) -> int:
        return sum(expected == found for expected, found in self.statuses.values())


def load_truth(path: Path) -> Truth:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Truth(
            call_id=data["call_id"], audio=data.get("audio", ""),
            language=data.get("language", ""), channels=int(data.get("channels", 1)),
            duration_s=float(data.get("duration_s", 0.0)),
            turns=tuple(Turn(t["speaker"], float(t["start"]), float(t["end"]), t["text"])
                        for t in data["turns"]),
            gaps=tuple((float(g["start"]), float(g["end"]), g.get("kind", "dead_air"))
                       for g in data.get("gaps", ())),
            statuses=dict(data.get("criteria", {})),
            objections=int(data.get("objections", 0)), rebuttals=int(data.get("rebuttals", 0)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EvaluationError(f"{path.name}: not a ground-truth file ({exc}); "
                              "see sample_calls/truth for the format") from exc


def discover(folder: Path) -> list[LabelledCall]:
    """The labelled calls of a folder: `folder/truth/*.json`, else `folder/*.json`."""
    if not folder.is_dir():
        raise EvaluationError(f"{folder.name or folder}: not a folder; give a folder holding "
                              "truth/*.json (e.g. sample_calls)")
    truth_dir = folder / "truth" if (folder / "truth").is_dir() else folder
    paths = sorted(truth_dir.glob("*.json"))
    if not paths:
        raise EvaluationError(f"{folder.name}: no ground-truth files (truth/*.json) found")
    calls = []
    for path in paths:
        truth = load_truth(path)
        audio = folder / truth.audio if truth.audio else None
        calls.append(LabelledCall(truth, audio if audio and audio.is_file() else None))
    return calls


def reference_transcript(truth: Truth) -> Transcript:
    """The call as a perfect ASR + diarisation would give it: reference turns, roles and gaps."""
    return Transcript(turns=truth.turns, language=truth.language, duration_s=truth.duration_s,
                      gaps=tuple(Gap(s, e) for s, e, _ in truth.gaps), gaps_from="reference",
                      role_basis="reference transcript", channels=truth.channels)


def score_reference(call: LabelledCall, *, rubric: Rubric,
                    options: AnalysisOptions) -> QualityReport:
    """Detectors alone: the call scored from its reference transcript."""
    return assess(reference_transcript(call.truth), call_id=call.truth.call_id,
                  source=f"{call.truth.call_id} (reference transcript)", rubric=rubric,
                  options=options)


def score_audio(call: LabelledCall, *, rubric: Rubric, options: AnalysisOptions) -> QualityReport:
    """The whole pipeline: the call scored from its recording."""
    if call.audio_path is None:
        raise EvaluationError(f"{call.truth.call_id}: recording {call.truth.audio!r} not found "
                              "beside the truth folder; render or copy it there")
    return analyse(call.audio_path, rubric=rubric, options=options)


def compare(report: QualityReport, truth: Truth, *, gap_tolerance_s: float = 0.3) -> Comparison:
    found = {c.id: c.status for c in report.scorecard.criteria}
    statuses = {cid: (expected, found.get(cid, "missing"))
                for cid, expected in truth.statuses.items() if cid in found}
    silences = [(s.start, s.end, s.kind) for s in report.silences]
    pairs = _match_gaps(truth.gaps, silences, gap_tolerance_s)
    objections = next((int(c.facts.get("objections", 0)) for c in report.scorecard.criteria
                       if c.id == "objections"), 0)
    return Comparison(call_id=truth.call_id, statuses=statuses,
                      role_accuracy=role_accuracy(report.transcript.turns, truth.turns),
                      gaps_matched=len(pairs),
                      gaps_kind_matched=sum(truth.gaps[i][2] == silences[j][2] for i, j in pairs),
                      gaps_expected=len(truth.gaps), gaps_found=len(silences),
                      objections=(truth.objections, objections))


def _match_gaps(expected: tuple[tuple[float, float, str], ...],
                found: list[tuple[float, float, str]], tolerance: float) -> list[tuple[int, int]]:
    """One-to-one pairs (expected index, found index) whose both edges agree within tolerance."""
    used: set[int] = set()
    pairs = []
    for i, (es, ee, _) in enumerate(expected):
        for j, (fs, fe, _) in enumerate(found):
            if j not in used and abs(fs - es) <= tolerance and abs(fe - ee) <= tolerance:
                used.add(j)
                pairs.append((i, j))
                break
    return pairs


def role_accuracy(found: tuple[Turn, ...], reference: tuple[Turn, ...]) -> float:
    """Share of reference speech (by duration) whose best-overlapping found turn has the
    same speaker.  A reference turn that no found turn overlaps counts as wrong."""
    total = right = 0.0
    for ref in reference:
        overlap: dict[str, float] = {}
        for t in found:
            shared = min(ref.end, t.end) - max(ref.start, t.start)
            if shared > 0:
                overlap[t.speaker] = overlap.get(t.speaker, 0.0) + shared
        total += ref.duration
        if overlap and max(overlap, key=overlap.get) == ref.speaker:
            right += ref.duration
    return right / total if total else 1.0


# --------------------------------------------------------------------------- aggregate metrics


@dataclass(frozen=True)
class CriterionMetrics:
    """One criterion over a set of calls.  `not_met` is the positive class: an assessor
    cares most that a missed behaviour is caught (recall) and not invented (precision)."""

    id: str
    confusion: dict[tuple[str, str], int]   # (expected, found) -> calls

    @property
    def calls(self) -> int:
        return sum(self.confusion.values())

    @property
    def accuracy(self) -> float:
        right = sum(n for (e, f), n in self.confusion.items() if e == f)
        return right / self.calls if self.calls else 0.0

    @property
    def not_met_precision(self) -> float | None:
        flagged = sum(n for (_, f), n in self.confusion.items() if f == NOT_MET)
        return self.confusion.get((NOT_MET, NOT_MET), 0) / flagged if flagged else None

    @property
    def not_met_recall(self) -> float | None:
        actual = sum(n for (e, _), n in self.confusion.items() if e == NOT_MET)
        return self.confusion.get((NOT_MET, NOT_MET), 0) / actual if actual else None


@dataclass(frozen=True)
class GapMetrics:
    expected: int
    found: int
    matched: int
    kind_matched: int

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Evaluation:
    """Everything `callqa evaluate` reports for one source (transcripts or audio)."""

    source: Source
    comparisons: tuple[Comparison, ...]
    failures: tuple[Failure, ...] = ()
    reports: dict[str, QualityReport] = field(default_factory=dict, compare=False, repr=False)

    @property
    def criteria(self) -> tuple[CriterionMetrics, ...]:
        confusion: dict[str, Counter] = {}
        for c in self.comparisons:
            for cid, pair in c.statuses.items():
                confusion.setdefault(cid, Counter())[pair] += 1
        return tuple(CriterionMetrics(cid, dict(counts)) for cid, counts in confusion.items())

    @property
    def status_accuracy(self) -> float:
        total = sum(len(c.statuses) for c in self.comparisons)
        return sum(c.status_hits for c in self.comparisons) / total if total else 0.0

    @property
    def objections_exact(self) -> float:
        n = len(self.comparisons)
        return sum(e == f for e, f in (c.objections for c in self.comparisons)) / n if n else 0.0

    @property
    def gaps(self) -> GapMetrics:
        return GapMetrics(expected=sum(c.gaps_expected for c in self.comparisons),
                          found=sum(c.gaps_found for c in self.comparisons),
                          matched=sum(c.gaps_matched for c in self.comparisons),
                          kind_matched=sum(c.gaps_kind_matched for c in self.comparisons))

    @property
    def role_accuracy(self) -> float:
        n = len(self.comparisons)
        return sum(c.role_accuracy for c in self.comparisons) / n if n else 0.0

    def errors(self) -> list[tuple[str, str, str, str]]:
        """Every wrong status as (call_id, criterion, expected, found)."""
        return [(c.call_id, cid, e, f) for c in self.comparisons
                for cid, (e, f) in c.statuses.items() if e != f]

    def to_dict(self) -> dict:
        gaps = self.gaps
        return {
            "source": self.source,
            "calls": len(self.comparisons),
            "failed": [{"call_id": f.source, "reason": f.reason} for f in self.failures],
            "status_accuracy": round(self.status_accuracy, 4),
            "criteria": [{
                "id": m.id, "calls": m.calls, "accuracy": round(m.accuracy, 4),
                "not_met_precision": _round(m.not_met_precision),
                "not_met_recall": _round(m.not_met_recall),
                "confusion": [{"expected": e, "found": f, "calls": n}
                              for (e, f), n in sorted(m.confusion.items())],
            } for m in self.criteria],
            "objection_count_exact": round(self.objections_exact, 4),
            "gaps": {"expected": gaps.expected, "found": gaps.found, "matched": gaps.matched,
                     "kind_matched": gaps.kind_matched, "precision": round(gaps.precision, 4),
                     "recall": round(gaps.recall, 4), "f1": round(gaps.f1, 4)},
            "role_accuracy": round(self.role_accuracy, 4),
            "errors": [{"call_id": c, "criterion": k, "expected": e, "found": f}
                       for c, k, e, f in self.errors()],
            "per_call": [{"call_id": c.call_id, "status_hits": c.status_hits,
                          "role_accuracy": round(c.role_accuracy, 4),
                          "objections": list(c.objections),
                          "gaps": {"expected": c.gaps_expected, "found": c.gaps_found,
                                   "matched": c.gaps_matched}}
                         for c in self.comparisons],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def evaluate(calls: Iterable[LabelledCall], source: Source,
             score: Callable[[LabelledCall], QualityReport], *,
             on_call: Callable[[str], None] | None = None) -> Evaluation:
    """Score each labelled call with `score` and compare it with its truth.

    A call that cannot be scored (e.g. its recording is missing) is listed as a failure and
    left out of the metrics, so one bad file never hides the others' numbers.
    """
    comparisons, failures, reports = [], [], {}
    for call in calls:
        if on_call:
            on_call(call.truth.call_id)
        try:
            report = score(call)
        except CallQAError as exc:
            failures.append(Failure(call.truth.call_id, str(exc)))
            continue
        reports[call.truth.call_id] = report
        comparisons.append(compare(report, call.truth))
    return Evaluation(source, tuple(comparisons), tuple(failures), reports)
