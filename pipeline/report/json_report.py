"""The report as JSON (schema version 1, the public contract in design.md)."""

from __future__ import annotations

from pipeline.evidence import Evidence
from pipeline.report.model import SCHEMA_VERSION, QualityReport


def _evidence(e: Evidence) -> dict:
    row = {"start": round(e.start, 2), "end": round(e.end, 2), "speaker": e.speaker,
           "text": e.text}
    if e.label:
        row["label"] = e.label
    if e.turn_index is not None:
        row["turn"] = e.turn_index
    return row


def to_dict(report: QualityReport) -> dict:
    t = report.transcript
    criteria = []
    for c in report.scorecard.criteria:
        row = {"id": c.id, "title": c.title, "status": c.status,
               "evidence": [_evidence(e) for e in c.evidence],
               "competences": list(c.competences), "feedback": c.feedback,
               "weight": c.weight, "critical": c.critical}
        # Facts are the numbers a criterion must state (objections, rebuttals, counts).
        row.update({k: v for k, v in c.facts.items() if k not in row})
        criteria.append(row)
    return {
        "schema_version": SCHEMA_VERSION,
        "call_id": report.call_id,
        "source": report.source,
        "duration_s": round(t.duration_s, 2),
        "language": t.language,
        "channels": t.channels,
        "model": report.model,
        "rubric": {"id": report.rubric_id, "version": report.rubric_version},
        "roles": {"basis": t.role_basis, "confidence": report.role_confidence},
        "turns": [{"speaker": turn.speaker, "start": round(turn.start, 2),
                   "end": round(turn.end, 2), "text": turn.text} for turn in t.turns],
        "gaps_from": t.gaps_from,
        "silences": [{"start": s.start, "end": s.end, "duration_s": round(s.end - s.start, 2),
                      "kind": s.kind} for s in report.silences],
        "criteria": criteria,
        "score": round(report.scorecard.score, 1),
        "verdict": report.scorecard.verdict,
        "timings_s": {k: round(v, 3) for k, v in report.timings.items()},
    }
