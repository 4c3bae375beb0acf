"""What a detector returns: a status and the evidence (quotes with timestamps) behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping

from pipeline.transcript import Transcript, Turn

Status = Literal["met", "partial", "not_met", "not_applicable"]
STATUSES: tuple[Status, ...] = ("met", "partial", "not_met", "not_applicable")


@dataclass(frozen=True)
class Evidence:
    """A quote that justifies a verdict. `label` says what it shows (e.g. "salutation")."""

    start: float
    end: float
    speaker: str
    text: str
    label: str = ""
    turn_index: int | None = None

    @classmethod
    def of_turn(cls, transcript: Transcript, index: int, label: str = "") -> "Evidence":
        turn: Turn = transcript.turns[index]
        return cls(start=turn.start, end=turn.end, speaker=turn.speaker, text=turn.text,
                   label=label, turn_index=index)


@dataclass(frozen=True)
class Detection:
    """A detector's verdict on one behaviour of one call.

    `facts` carries the numbers a report must state (e.g. objections=2, rebuttals=2).
    `note` is a short English explanation of why this status (for logs and assessors).
    """

    status: Status
    evidence: tuple[Evidence, ...] = ()
    facts: Mapping[str, int | float] = field(default_factory=dict)
    note: str = ""
