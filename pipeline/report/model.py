"""QualityReport: everything known about one scored call, ready to render."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from pipeline.detectors.silence import Silence
from pipeline.scoring import Scorecard
from pipeline.transcript import Transcript

SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class QualityReport:
    call_id: str
    source: str                 # file name only: reports never carry the operator's paths
    transcript: Transcript
    silences: tuple[Silence, ...]
    scorecard: Scorecard
    rubric_id: str
    rubric_version: str
    model: str = ""             # "" when the call came in as a transcript
    role_confidence: float = 1.0
    timings: Mapping[str, float] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return self.transcript.duration_s
