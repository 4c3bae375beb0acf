"""silence — dead air and holds, from the measured gaps (`Transcript.gaps`).

A gap whose latest preceding agent speech (within `announce_window_s`) announces a hold
("je vous mets en attente", "please hold") is a `hold`; any other gap is `dead_air`.
Not met: dead air >= `dead_air_max_s` or a hold > `hold_max_s`; partial: dead air of at least
`dead_air_warn_s`; met otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.detectors._common import blocks, found, join, match_evidence
from pipeline.evidence import Detection, Evidence
from pipeline.transcript import AGENT, Gap, Transcript

SilenceKind = Literal["dead_air", "hold"]


@dataclass(frozen=True)
class Params:
    min_gap_s: float = 2.0
    dead_air_warn_s: float = 3.0
    dead_air_max_s: float = 5.0
    hold_max_s: float = 60.0
    announce_window_s: float = 20.0   # an announcement this long before the gap still counts
    extra_hold_phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Silence:
    start: float
    end: float
    kind: SilenceKind
    announcement: Evidence | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start


def classify_gaps(transcript: Transcript, params: Params = Params()) -> tuple[Silence, ...]:
    """Every gap of at least `min_gap_s`, as dead air or an announced hold."""
    return tuple(_classify(transcript, gap, params) for gap in transcript.gaps
                 if gap.duration >= params.min_gap_s - 1e-6)


def _classify(transcript: Transcript, gap: Gap, params: Params) -> Silence:
    # The agent's latest block before the gap, cut at the gap (turn ends from ASR may run a
    # little past it): an announcement made before the agent last came back does not count.
    tolerance = 0.5
    latest = [b for b in blocks(transcript)
              if b.speaker == AGENT and b.start < gap.start + tolerance]
    if latest:
        said = [i for i in latest[-1].indices
                if gap.start - params.announce_window_s <= transcript.turns[i].end
                <= gap.start + tolerance]
        if said:
            before = join(transcript, said)
            match = found(before, transcript.language, "silence", "hold",
                          params.extra_hold_phrases)
            if match is not None:
                return Silence(gap.start, gap.end, "hold",
                               match_evidence(transcript, before, match, "hold announcement"))
    return Silence(gap.start, gap.end, "dead_air")


def detect(transcript: Transcript, params: Params = Params()) -> Detection:
    """Judge the call's silences against the dead-air and hold limits."""
    silences = classify_gaps(transcript, params)
    dead = [s for s in silences if s.kind == "dead_air"]
    holds = [s for s in silences if s.kind == "hold"]
    facts = {"gaps": len(silences), "dead_air": len(dead), "holds": len(holds),
             "longest_dead_air_s": round(max((s.duration for s in dead), default=0.0), 2),
             "longest_hold_s": round(max((s.duration for s in holds), default=0.0), 2)}
    too_long = [s for s in dead if s.duration >= params.dead_air_max_s - 1e-6] + \
        [s for s in holds if s.duration > params.hold_max_s]
    warn = [s for s in dead if params.dead_air_warn_s - 1e-6 <= s.duration < params.dead_air_max_s]

    if too_long:
        status, shown = "not_met", too_long
        note = f"{len(too_long)} silence(s) over the limit"
    elif warn:
        status, shown = "partial", warn
        note = f"{len(warn)} dead-air gap(s) of {params.dead_air_warn_s:g} s or more"
    else:
        status, shown = "met", silences
        note = "no silence over the limits" if silences else "no silence gap of 2 s or more"
    if transcript.gaps_from == "turn times":
        # A transcriber's segment times stretch over pauses and breaths: say so, an
        # assessor should weigh this verdict less than one measured on the audio.
        note += " (gaps from the transcript's turn times, not measured on audio)"
    evidence: list[Evidence] = []
    if not silences:
        # Evidence or no verdict: the stretch of call that was checked and found free of gaps.
        start = min((t.start for t in transcript.turns), default=0.0)
        end = max([t.end for t in transcript.turns] + [transcript.duration_s])
        evidence.append(Evidence(start=start, end=end, speaker="",
                                 text=f"no silence of {params.min_gap_s:g} s or more",
                                 label="whole call checked"))
    for s in sorted(shown, key=lambda s: s.start):
        if s.announcement is not None:
            evidence.append(s.announcement)
        evidence.append(_gap_evidence(s, params))
    return Detection(status, tuple(evidence), facts, note)


def _gap_evidence(s: Silence, params: Params) -> Evidence:
    if s.kind == "hold":
        label = "hold over the limit" if s.duration > params.hold_max_s else "hold"
    elif s.duration >= params.dead_air_max_s - 1e-6:
        label = "dead air over the limit"
    elif s.duration >= params.dead_air_warn_s - 1e-6:
        label = "dead air"
    else:
        label = "short gap"
    return Evidence(start=s.start, end=s.end, speaker="",
                    text=f"{s.duration:.1f} s of silence", label=label)
