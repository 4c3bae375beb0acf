"""Comparing a scored call with its ground truth (the `truth/*.json` of labelled calls).

Used by the tests, the sample-call benchmark and (next) `callqa evaluate`: one place that
says what "right" means for turns, roles, silence gaps and criterion statuses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import CallQAError
from pipeline.report.model import QualityReport
from pipeline.transcript import Turn


@dataclass(frozen=True)
class Truth:
    call_id: str
    audio: str
    language: str
    channels: int
    turns: tuple[Turn, ...]
    gaps: tuple[tuple[float, float, str], ...]
    statuses: dict[str, str]
    objections: int
    rebuttals: int


@dataclass(frozen=True)
class Comparison:
    call_id: str
    statuses: dict[str, tuple[str, str]]   # criterion -> (expected, found)
    role_accuracy: float                    # share of reference speech given the right role
    gaps_matched: int
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
            turns=tuple(Turn(t["speaker"], float(t["start"]), float(t["end"]), t["text"])
                        for t in data["turns"]),
            gaps=tuple((float(g["start"]), float(g["end"]), g.get("kind", "dead_air"))
                       for g in data.get("gaps", ())),
            statuses=dict(data.get("criteria", {})),
            objections=int(data.get("objections", 0)), rebuttals=int(data.get("rebuttals", 0)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CallQAError(f"{path.name}: not a ground-truth file ({exc}); see sample_calls/truth")


def compare(report: QualityReport, truth: Truth, *, gap_tolerance_s: float = 0.3) -> Comparison:
    found = {c.id: c.status for c in report.scorecard.criteria}
    statuses = {cid: (expected, found.get(cid, "missing")) for cid, expected in truth.statuses.items()}
    silences = [(s.start, s.end, s.kind) for s in report.silences]
    matched = sum(
        any(abs(s - ts) <= gap_tolerance_s and abs(e - te) <= gap_tolerance_s and k == tk
            for s, e, k in silences)
        for ts, te, tk in truth.gaps)
    objections = next((int(c.facts.get("objections", 0)) for c in report.scorecard.criteria
                       if c.id == "objections"), 0)
    return Comparison(call_id=truth.call_id, statuses=statuses,
                      role_accuracy=role_accuracy(report.transcript.turns, truth.turns),
                      gaps_matched=matched, gaps_expected=len(truth.gaps),
                      gaps_found=len(silences), objections=(truth.objections, objections))


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
