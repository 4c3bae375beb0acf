"""clarification — the agent asks for clarification about what the customer describes.

"Demande des éclaircissements (au sujet du problème décrit)" (co 01671, D140801 Id16426;
0214: "pour comprendre l'essence du problème").  A clarifying question is an agent question
(question mark, or a question opener at the start of a clause) asked once the customer has
said something, that is about it: it carries a clarification cue ("pouvez-vous préciser",
"since when", "welke"), or reuses the customer's content words ("which card would you like to
replace" after "I lost my card"), or is the agent's direct reply to the customer's account of
the problem ("Je vois, vous travaillez de chez vous ?").

Not clarifying: identity questions (that is identity_check), the opening "how can I help?",
"anything else?", proposals ("voulez-vous que je …"), and asking to repeat (an acoustic
problem, not a question about the problem).
Met: at least `min_count` clarifying questions.  Not met: none.  Not applicable: the customer
never says anything with content (no request or problem to clarify).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.detectors._common import (Block, block_evidence, blocks, dedupe, found, part,
                                        question_spans, search, sentences)
from pipeline.evidence import Detection, Evidence
from pipeline.text import content_keys
from pipeline.transcript import AGENT, CUSTOMER, Transcript


@dataclass(frozen=True)
class Params:
    min_count: int = 1                # clarifying questions needed for "met"
    min_request_words: int = 2        # content words that make a customer turn worth clarifying
    context_blocks: int = 2           # customer blocks whose words a question may reuse
    extra_cues: tuple[str, ...] = ()


def detect(transcript: Transcript, params: Params = Params()) -> Detection:
    """Count the agent's clarifying questions; each one is evidence with what it clarifies."""
    lang = transcript.language
    all_blocks = blocks(transcript)
    evidence: list[Evidence] = []
    count = 0
    for pos, block in enumerate(all_blocks):
        if block.speaker != AGENT:
            continue
        context = [b for b in all_blocks[:pos] if b.speaker == CUSTOMER
                   and len(content_keys(b.text, lang)) >= 1][-params.context_blocks:]
        if not context:
            continue                  # nothing said yet: "how can I help?" clarifies nothing
        reply = all_blocks[pos - 1] if all_blocks[pos - 1].speaker == CUSTOMER else None
        question = _clarifying(transcript, block, context, reply, lang, params)
        if question is not None:
            count += 1
            evidence.append(block_evidence(transcript, question, "clarifying question"))
            evidence.append(block_evidence(transcript, context[-1], "customer said"))

    facts = {"count": count}
    if count >= params.min_count:
        return Detection("met", dedupe(evidence), facts, f"{count} clarifying question(s)")
    request = next((b for b in all_blocks if b.speaker == CUSTOMER and
                    len(content_keys(b.text, lang)) >= params.min_request_words), None)
    if request is None:
        return Detection("not_applicable", (), facts,
                         "the customer describes no request or problem")
    examined = [block_evidence(transcript, request, "customer request")]
    answer = next((b for b in all_blocks if b.speaker == AGENT and b.start >= request.end), None)
    if answer is not None:
        examined.append(block_evidence(transcript, answer, "agent reply (no clarifying question)"))
    note = "the agent asks no clarifying question" + \
        (f" ({count} found, {params.min_count} needed)" if count else "")
    return Detection("not_met", tuple(examined), facts, note)


def _clarifying(transcript: Transcript, block: Block, context: list[Block],
                reply: Block | None, lang: str, params: Params) -> Block | None:
    """The first sentence of `block` with a question that asks the customer to clarify."""
    theirs = frozenset().union(*(content_keys(b.text, lang) for b in context))
    answers_account = reply is not None and \
        len(content_keys(reply.text, lang)) >= params.min_request_words
    for unit in sentences(transcript, block):
        for start, end in question_spans(unit, lang):
            asked = _about_the_problem(unit, start, end, lang)
            if asked is None:
                continue
            cue = found(asked, lang, "clarification", "cues", params.extra_cues)
            reuses = content_keys(asked.text, lang) & theirs
            if cue or reuses or answers_account:
                return unit
    return None


def _about_the_problem(unit: Block, start: int, end: int, lang: str) -> Block | None:
    """The question unit.tokens[start:end] without what does not clarify, or None.

    An opening ("how can I help?"), "anything else?", a proposal or a request to repeat
    at the head of the question (or in a short lead before it: "pardon, vous pouvez
    répéter ?") rules it out; one further on (unpunctuated speech runs questions together:
    "which card … okay I've ordered it is there anything else") only ends it.
    """
    asked = part(unit, start, end)
    lead = part(unit, max(0, start - 3), start) if start else None
    if lead is not None and found(lead, lang, "clarification", "not_clarifying") is not None:
        return None
    stops = search(asked, lang, "clarification", "not_clarifying")
    if stops:
        cut = min(m.start for m in stops)
        if cut <= 2:
            return None
        asked = part(asked, 0, cut)
    if found(asked, lang, "identity", "datum") is not None or \
            found(asked, lang, "identity", "check") is not None:
        return None            # an identity question: identity_check, not clarification
    return asked
