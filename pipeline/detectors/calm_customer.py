"""calm_customer — the agent calms an upset customer.

"Calme le client" (0214 co 01671); "possède suffisamment d'empathie pour remettre le client
dans de bonnes dispositions" (0214 co 01672); "calmer le client" (0213, 2.2.2).

Upset is anger or distress ("c'est inadmissible", "I'm fed up", "ik ben het beu", "third
time I call"), not a plain account of a problem.  Calming is empathy or de-escalation: an
apology, naming the feeling, reassurance, taking the matter in hand ("je suis désolé",
"I understand how frustrating", "ik zorg ervoor").  "Je comprends, mais …" argues; it does
not calm.

Not applicable: the customer is never upset.  Met: the agent calms within its first
`reply_blocks` turns after the customer gets upset.  Partial: only later.  Not met: never.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.detectors._common import (Block, block_evidence, blocks, dedupe, match_evidence,
                                        overlapping, search, sentences)
from pipeline.evidence import Detection, Evidence
from pipeline.text import Match
from pipeline.transcript import AGENT, CUSTOMER, Transcript


@dataclass(frozen=True)
class Params:
    reply_blocks: int = 2             # agent turns after the outburst in which to calm for "met"
    extra_upset: tuple[str, ...] = ()
    extra_empathy: tuple[str, ...] = ()


def detect(transcript: Transcript, params: Params = Params()) -> Detection:
    """Did the agent calm the customer once they got upset?"""
    lang = transcript.language
    all_blocks = blocks(transcript)
    upset_at = None
    for pos, block in enumerate(all_blocks):
        if block.speaker == CUSTOMER:
            hit = _first(search(block, lang, "calm_customer", "upset", params.extra_upset))
            if hit is not None:
                upset_at = (pos, hit)
                break
    if upset_at is None:
        return Detection("not_applicable", (), {"upset": 0, "calmed": 0},
                         "the customer is not upset")
    pos, hit = upset_at
    evidence: list[Evidence] = [match_evidence(transcript, all_blocks[pos], hit,
                                               "customer upset")]
    replies = [b for b in all_blocks[pos + 1:] if b.speaker == AGENT]
    for k, block in enumerate(replies):
        calming = _calming(transcript, block, lang, params)
        if calming is not None:
            evidence.append(calming)
            prompt = k < params.reply_blocks
            facts = {"upset": 1, "calmed": 1, "prompt": int(prompt)}
            if prompt:
                return Detection("met", dedupe(evidence), facts,
                                 "the agent calms the upset customer")
            return Detection("partial", dedupe(evidence), facts,
                             "the agent calms the customer, but only later in the call")
    shown = [block_evidence(transcript, b, "agent reply (no calming)")
             for b in replies[:params.reply_blocks]]
    return Detection("not_met", dedupe(evidence + shown), {"upset": 1, "calmed": 0, "prompt": 0},
                     "the customer is upset and the agent never calms them")


def _calming(transcript: Transcript, block: Block, lang: str, params: Params
             ) -> Evidence | None:
    for unit in sentences(transcript, block):
        arguing = search(unit, lang, "calm_customer", "not_empathy")
        for match in search(unit, lang, "calm_customer", "empathy", params.extra_empathy):
            if not overlapping(match, arguing):
                return match_evidence(transcript, unit, match, "calming")
    return None


def _first(matches) -> Match | None:
    return min(matches, key=lambda m: m.start) if matches else None
