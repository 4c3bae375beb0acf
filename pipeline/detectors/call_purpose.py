"""call_purpose — on an outbound call, the agent states why they call.

"Présente ou identifie l'objectif de l'appel" (D140801 Id16700), "informe la personne de
contact de l'objectif de l'appel conformément au script" (D140801 Id234); OPCL 02.01.
A statement is a purpose cue ("je vous appelle au sujet de", "the reason for my call",
"ik bel u omdat") followed by what it is about, or, failing that, the offer itself presented
in the opening ("nous avons une offre sur …"): the callee then knows why they are called.

Direction comes from the rubric (`direction: outbound` in an outbound rubric) or, on `auto`,
from the transcript (see `_direction`).  Inbound: not applicable (the customer brings the
purpose).  Met: stated within `opening_s` of the agent's first words; partial: stated later;
not met: never stated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.detectors._common import (agent_blocks, block_evidence, dedupe, found,
                                        match_evidence, sentences)
from pipeline.detectors._direction import Direction, call_direction
from pipeline.evidence import Detection, Evidence
from pipeline.text import content_keys
from pipeline.transcript import Transcript


@dataclass(frozen=True)
class Params:
    direction: Literal["auto", "inbound", "outbound"] = "auto"
    opening_s: float = 60.0           # stated this soon after the agent's first words: met
    min_content_words: int = 2        # what the call is about, after the cue
    extra_statements: tuple[str, ...] = ()


def detect(transcript: Transcript, params: Params = Params()) -> Detection:
    """Find where the agent tells the callee why they call."""
    direction = call_direction(transcript) if params.direction == "auto" else \
        Direction(params.direction, "set by the rubric")
    facts = {"outbound": int(direction.value == "outbound")}
    if direction.value == "inbound":
        shown = (direction.evidence,) if direction.evidence else ()
        return Detection("not_applicable", shown, facts,
                         f"inbound call ({direction.basis}): the customer brings the purpose")
    agents = agent_blocks(transcript)
    if not agents:
        return Detection("not_met", (), facts, "the agent never speaks")
    lang = transcript.language
    deadline = agents[0].start + params.opening_s
    hit = _statement(transcript, lang, params)
    evidence = [direction.evidence] if direction.evidence else []
    if hit is not None:
        evidence.append(hit)
        status = "met" if hit.start <= deadline else "partial"
        note = "the agent states the purpose of the call" + \
            ("" if status == "met" else f", but only after {params.opening_s:g} s")
        return Detection(status, dedupe(evidence), facts, note)
    evidence.append(block_evidence(transcript, agents[0], "agent opening (no purpose stated)"))
    return Detection("not_met", dedupe(evidence), facts,
                     "outbound call: the agent never says why they call")


def _statement(transcript: Transcript, lang: str, params: Params) -> Evidence | None:
    """The first purpose statement; else the first offer presented, as the purpose."""
    offer: Evidence | None = None
    for block in agent_blocks(transcript):
        for unit in sentences(transcript, block):
            cue = found(unit, lang, "call_purpose", "statement", params.extra_statements)
            if cue is not None:
                about = content_keys(" ".join(unit.tokens[cue.end:]), lang)
                if len(about) >= params.min_content_words:
                    return match_evidence(transcript, unit, cue, "purpose of the call")
            if offer is None and (pitch := found(unit, lang, "objections", "offer")) is not None:
                offer = match_evidence(transcript, unit, pitch, "purpose of the call (offer)")
    return offer
