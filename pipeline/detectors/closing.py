"""closing — the agent closes the call (recap, offer of further help, thanks, farewell).

Looked for in the agent's last turns: at most `last_turns` agent blocks (consecutive agent
turns), within `window_s` seconds before the agent's last words.  Met: two or more of the four parts; partial: one;
not met: none (only the customer says goodbye, or the call stops).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.detectors._common import (agent_blocks, block_evidence, blocks, dedupe, found, join,
                                        match_evidence, sentences)
from pipeline.evidence import Detection
from pipeline.transcript import AGENT, CUSTOMER, Transcript

PARTS = ("recap", "further_help", "thanks", "farewell")


@dataclass(frozen=True)
class Params:
    last_turns: int = 4
    window_s: float = 45.0
    min_parts: int = 2                # parts needed for "met"
    extra_recap: tuple[str, ...] = ()
    extra_further_help: tuple[str, ...] = ()
    extra_thanks: tuple[str, ...] = ()
    extra_farewell: tuple[str, ...] = ()


def detect(transcript: Transcript, params: Params = Params()) -> Detection:
    """Count the closing parts in the agent's last turns."""
    agent_turns = transcript.by(AGENT)
    if not agent_turns:
        evidence = tuple(block_evidence(transcript, b, "no agent speech in the call")
                         for b in blocks(transcript)[-1:])
        return Detection("not_met", evidence, {"parts": 0}, "the agent never speaks")
    # Blocks, not raw turns: ASR cuts one closing sentence into several short segments.
    last_end = max(t.end for _, t in agent_turns)
    tail = [i for b in agent_blocks(transcript)[-params.last_turns:] for i in b.indices
            if transcript.turns[i].start >= last_end - params.window_s]
    closing = join(transcript, tail or [agent_turns[-1][0]])
    extras = {"recap": params.extra_recap, "further_help": params.extra_further_help,
              "thanks": params.extra_thanks, "farewell": params.extra_farewell}

    evidence = []
    facts: dict[str, int] = {}
    for part in PARTS:
        # A recap states what was agreed; "donc, vous voulez … ?" asks, it does not confirm.
        units = ([u for u in sentences(transcript, closing) if not u.is_question]
                 if part == "recap" else [closing])
        hit = next(((u, m) for u in units
                    if (m := found(u, transcript.language, "closing", part, extras[part]))), None)
        facts[part] = int(hit is not None)
        if hit:
            evidence.append(match_evidence(transcript, hit[0], hit[1], part.replace("_", " ")))
    parts = sum(facts.values())
    facts["parts"] = parts
    names = ", ".join(p.replace("_", " ") for p in PARTS if facts[p])
    if parts >= params.min_parts:
        return Detection("met", dedupe(evidence), facts, f"closing with {names}")
    if parts:
        evidence.append(block_evidence(transcript, closing, "agent's last turns"))
        return Detection("partial", dedupe(evidence), facts, f"closing with only {names}")

    evidence.append(block_evidence(transcript, closing, "agent's last turns (no closing)"))
    note = "the agent does not close the call"
    customer_bye = _customer_farewell(transcript)
    if customer_bye is not None:
        evidence.append(customer_bye)
        note += "; only the customer says goodbye"
    return Detection("not_met", dedupe(evidence), facts, note)


def _customer_farewell(transcript: Transcript):
    for block in reversed(blocks(transcript)[-3:]):
        if block.speaker != CUSTOMER:
            continue
        match = found(block, transcript.language, "closing", "farewell")
        if match:
            return match_evidence(transcript, block, match, "customer farewell")
    return None
