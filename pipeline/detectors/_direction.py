"""Who placed the call: inbound (the customer called) or outbound (the agent called).

The assessor usually knows it from the call log, and a rubric may state it; when it does not,
the transcript tells it well enough: an outbound agent says why they call or checks whom they
reached ("je vous appelle", "am I speaking with"), and the callee picks up first with a bare
"allô ?" / "hello?".  An inbound agent answers with "how can I help" or the company's name.
Anything else is taken as inbound, the common case in a contact centre.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.detectors._common import agent_blocks, blocks, found, join, match_evidence
from pipeline.evidence import Evidence
from pipeline.transcript import CUSTOMER, Transcript

DirectionValue = Literal["inbound", "outbound"]

OPENING_S = 30.0          # the agent's opening: their turns starting this soon after their first
ANSWER_MAX_WORDS = 6      # a callee picking up says little ("allô, oui ?", "hello, Mark speaking")


@dataclass(frozen=True)
class Direction:
    value: DirectionValue
    basis: str
    evidence: Evidence | None = None


def call_direction(transcript: Transcript) -> Direction:
    """Inbound or outbound, with the clue it was read from."""
    lang = transcript.language
    agents = agent_blocks(transcript)
    if not agents:
        return Direction("inbound", "no agent speech")
    first = agents[0].start
    opening = join(transcript, [i for b in agents if b.start < first + OPENING_S
                                for i in b.indices])
    outbound = found(opening, lang, "direction", "outbound") or \
        found(opening, lang, "call_purpose", "statement")
    if outbound is not None:
        return Direction("outbound", "the agent says they are calling",
                         match_evidence(transcript, opening, outbound, "outbound call"))
    head = blocks(transcript)[0]
    answer = found(head, lang, "direction", "answer") if head.speaker == CUSTOMER else None
    # Picking up says little beyond the answer itself: at most a name ("hello, Mark
    # speaking"), not a request ("bonjour, ma facture s'il vous plaît").
    if answer is not None and len(head.tokens) <= ANSWER_MAX_WORDS and \
            len(head.tokens) - (answer.end - answer.start) <= 2:
        return Direction("outbound", "the customer picks up the phone",
                         match_evidence(transcript, head, answer, "callee answers"))
    inbound = found(opening, lang, "direction", "inbound")
    if inbound is not None:
        return Direction("inbound", "the agent answers the call",
                         match_evidence(transcript, opening, inbound, "inbound call"))
    return Direction("inbound", "no sign of an outbound call")
