"""closing — the agent closes the call (recap, offer of further help, thanks, farewell).

Looked for in the agent's last turns: at most `last_turns` agent blocks (consecutive agent
turns), within `window_s` seconds before the agent's last words.  Met: two or more of the four
parts; partial: one; not met: none (only the customer says goodbye, or the call stops).

A recap is a recap phrase, or a statement with a connective ("donc", "so", "dus") repeating
what was said earlier in the call; a bare "donc vous" is no recap, nor is a restatement of what
the customer wants ("Dus u wilt uw kaart morgen gebruiken": a reformulation, not an agreement).
Acknowledgements ("c'est enregistré", "genoteerd") and connective statements are weak recaps:
agents say them all through a call, so they count only beside another closing part; alone
("C'est enregistré. Votre badge fonctionnera dès juin." and the customer says goodbye) the
agent has not closed.  Thanks for the call count anywhere in the last turns, but a bare
"merci" only in the agent's final words: earlier it thanks the customer for a datum.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.detectors._common import (Block, agent_blocks, block_evidence, blocks, dedupe, found,
                                        join, match_evidence, statements)
from pipeline.evidence import Detection
from pipeline.text import Match, content_keys
from pipeline.transcript import AGENT, CUSTOMER, Transcript

PARTS = ("recap", "further_help", "thanks", "farewell")


@dataclass(frozen=True)
class Params:
    last_turns: int = 4
    window_s: float = 45.0
    min_parts: int = 2                # parts needed for "met"
    final_blocks: int = 2             # a bare "merci"/"thanks" closes only in these last blocks
    min_recap_shared: int = 2         # content words a "donc"/"so" sentence repeats from the call
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

    lang = transcript.language
    final = join(transcript, [i for b in agent_blocks(transcript)[-params.final_blocks:]
                              for i in b.indices if i in tail] or [agent_turns[-1][0]])
    evidence = []
    facts: dict[str, int] = {}
    hits: dict[str, tuple[Block, Match] | None] = {}
    recap, strong = _recap(transcript, closing, params)
    for part in PARTS[1:]:
        hit = _part(closing, lang, part, extras[part])
        if hit is None and part == "thanks":
            hit = _part(final, lang, "thanks_bare")
        hits[part] = hit
    # A weak recap ("c'est noté", "so …") confirms an agreement only when the agent closes.
    hits["recap"] = recap if strong or any(hits.values()) else None
    for part in PARTS:
        hit = hits[part]
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

    evidence.append(block_evidence(transcript, final, "agent's last words (no closing)"))
    note = "the agent does not close the call"
    customer_bye = _customer_farewell(transcript)
    if customer_bye is not None:
        evidence.append(customer_bye)
        note += "; only the customer says goodbye"
    return Detection("not_met", dedupe(evidence), facts, note)


def _part(block: Block, lang: str, part: str, extra=()) -> tuple[Block, Match] | None:
    match = found(block, lang, "closing", part, extra)
    return (block, match) if match is not None else None


def _recap(transcript: Transcript, closing: Block, params: Params
           ) -> tuple[tuple[Block, Match] | None, bool]:
    """A sentence of the closing that confirms what was agreed, and whether it is a strong
    recap (a recap phrase) rather than a weak one.

    Strong: a recap phrase ("je récapitule", "as agreed").  Weak: an acknowledgement
    ("c'est noté", "genoteerd"), or a statement with a connective ("donc", "so", "dus") that
    repeats content words said earlier in the call: "Votre plafond est donc relevé jusqu'au
    30 juin" after the new ceiling was set.  Questions are left out: "Donc, vous voulez … ?"
    checks understanding, it does not confirm an agreement; so is a restatement of the
    customer's wish ("Dus u wilt …", "So you want to …"), question mark or not.
    """
    lang = transcript.language
    weak = None
    for unit in statements(transcript, closing, lang):
        if unit.text.rstrip().endswith("?"):
            continue
        match = found(unit, lang, "closing", "recap", params.extra_recap)
        if match is not None:
            return (unit, match), True
        if weak is not None:
            continue
        match = found(unit, lang, "closing", "recap_weak")
        if match is not None:
            weak = unit, match
            continue
        connective = found(unit, lang, "closing", "recap_connectives")
        if connective is None or found(unit, lang, "reformulation", "markers") is not None:
            continue
        before = " ".join(t.text for t in transcript.turns[:min(unit.indices)])
        repeated = content_keys(unit.text, lang) & content_keys(before, lang)
        if len(repeated) >= params.min_recap_shared:
            weak = unit, connective
    return weak, False


def _customer_farewell(transcript: Transcript):
    for block in reversed(blocks(transcript)[-3:]):
        if block.speaker != CUSTOMER:
            continue
        match = found(block, transcript.language, "closing", "farewell")
        if match:
            return match_evidence(transcript, block, match, "customer farewell")
    return None
