"""objections — customer objections to an agent's proposal, and the agent's rebuttals.

An objection is the customer resisting an offer: price, no need, timing, already served,
distrust.  It counts only once the agent has proposed something (offer cues, outbound
pitches); before that, or when the customer complains without an offer just made, it is a
complaint about the service, not an objection.  A weak "non merci" counts only as the direct
reply to an offer or a rebuttal (never to "anything else?").

Each objection opens an episode up to the next one; the agent's answer in it is a rebuttal
(pushes back or argues), an acknowledgement (accepts the refusal), or missing.
Not applicable: no objection.  Met: every objection answered and at most `max_rebuttals`
rebuttals.  Not met: an objection unanswered, or rebuttals beyond the limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.detectors._common import (Block, block_evidence, blocks, dedupe, found,
                                        match_evidence)
from pipeline.evidence import Detection
from pipeline.text import Match, find_any, phrases, tokens
from pipeline.transcript import AGENT, CUSTOMER, Transcript

CATEGORIES = ("price", "no_need", "timing", "already_served", "distrust")


@dataclass(frozen=True)
class Params:
    max_rebuttals: int = 3
    min_answer_words: int = 6         # an agent answer this long argues even without a cue
    extra_offers: tuple[str, ...] = ()
    extra_objections: tuple[str, ...] = ()   # counted as category "other"
    extra_rebuttals: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Objection:
    pos: int
    category: str
    match: Match


def detect(transcript: Transcript, params: Params = Params()) -> Detection:
    """Count objections and rebuttals; judge them against the 2-3 rebuttal limit."""
    lang = transcript.language
    all_blocks = blocks(transcript)
    raised, complaints = _objections(all_blocks, lang, params)

    evidence = [block_evidence(transcript, all_blocks[p], "complaint (not an objection)")
                for p in complaints]
    count = rebuttals = unanswered = 0
    for k, obj in enumerate(raised):
        # The same objection said again right after the answer is the same objection insisted
        # on, not a new one; answering it again is still one more rebuttal.
        repeated = k > 0 and raised[k - 1].category == obj.category
        count += not repeated
        end = raised[k + 1].pos if k + 1 < len(raised) else len(all_blocks)
        answer, kind = _answer(all_blocks[obj.pos + 1:end], lang, params)
        label = f"objection:{obj.category}" + (" (repeated)" if repeated else "")
        if kind == "missing":
            unanswered += 1
            label += " (unanswered)"
        evidence.append(match_evidence(transcript, all_blocks[obj.pos], obj.match, label))
        if kind == "rebuttal":
            rebuttals += 1
            over = rebuttals > params.max_rebuttals
            evidence.append(block_evidence(transcript, answer,
                                           "rebuttal (beyond the limit)" if over else "rebuttal"))
        elif kind == "acknowledgement":
            evidence.append(block_evidence(transcript, answer, "answer (accepts the refusal)"))

    facts = {"objections": count, "rebuttals": rebuttals, "unanswered": unanswered,
             "complaints": len(complaints)}
    found_evidence = dedupe(evidence)
    if not raised:
        return Detection("not_applicable", found_evidence, facts,
                         "the customer raised no objection")
    if unanswered:
        return Detection("not_met", found_evidence, facts, f"{unanswered} objection(s) unanswered")
    if rebuttals > params.max_rebuttals:
        return Detection("not_met", found_evidence, facts,
                         f"{rebuttals} rebuttals: the agent kept pushing after "
                         f"{params.max_rebuttals} objections")
    return Detection("met", found_evidence, facts,
                     f"{count} objection(s) answered, {rebuttals} rebuttal(s)")


def _objections(all_blocks, lang: str, params: Params) -> tuple[list[_Objection], list[int]]:
    objections: list[_Objection] = []
    complaints: list[int] = []
    offered = False                   # the agent has proposed something so far
    pushing = False                   # the agent's latest block offers or argues
    for pos, block in enumerate(all_blocks):
        if block.speaker == AGENT:
            after_objection = bool(objections) and objections[-1].pos == pos - 1
            offer = _offers(block, lang, params)
            offered = offered or offer
            answer = _kind(block, lang, params) if after_objection else ""
            argues = offered and found(block, lang, "objections", "rebuttal",
                                       params.extra_rebuttals) is not None
            pushing = (offer or argues or answer == "rebuttal") and \
                found(block, lang, "closing", "further_help") is None
            continue
        if block.speaker != CUSTOMER:
            continue
        category, match = _category(block, lang, params, weak=False)
        if match is None and pushing:
            category, match = _category(block, lang, params, weak=True)
        complaint = found(block, lang, "objections", "complaint")
        if match is not None and offered and not (complaint and not pushing):
            objections.append(_Objection(pos, category, match))
        elif complaint is not None:
            complaints.append(pos)
    return objections, complaints


def _offers(block: Block, lang: str, params: Params) -> bool:
    """The agent proposes something to buy: a commercial cue, or a proposing verb with a
    product in the same turn ("je vous propose notre formule", not "je vous conseille de
    redémarrer votre box": a suggestion resisted is not a sales objection)."""
    if found(block, lang, "objections", "offer", params.extra_offers) is not None:
        return True
    return found(block, lang, "objections", "offer_verbs") is not None and \
        found(block, lang, "upsell", "product") is not None


def _category(block: Block, lang: str, params: Params, *, weak: bool
              ) -> tuple[str, Match | None]:
    """The best-matching objection category (strong cues, or weak ones right after a push)."""
    best: tuple[str, Match | None] = ("", None)
    for category in CATEGORIES:
        match = found(block, lang, "objections", f"weak_{category}" if weak else category)
        if match and (best[1] is None or match.score > best[1].score):
            best = (category, match)
    if best[1] is None and params.extra_objections and not weak:
        matches = find_any(block.tokens, params.extra_objections, language=lang)
        best = ("other", matches[0] if matches else None)
    return best


def _kind(block: Block, lang: str, params: Params) -> str:
    """What an agent block answering an objection is: rebuttal, acknowledgement or nothing."""
    # Dropping the pitch ("je n'insiste pas", "au revoir") wins over any "mais"; a plain
    # "je comprends" only when nothing argues.
    if found(block, lang, "objections", "concession"):
        return "acknowledgement"
    if found(block, lang, "objections", "rebuttal", params.extra_rebuttals) or \
            _offers(block, lang, params):
        return "rebuttal"
    # A sentence that argues without acknowledging ("Votre carte ne couvre pas l'annulation.")
    # makes the answer a rebuttal even when a "je vous envoie le détail" follows.
    for sentence in re.split(r"[.?!;]+", block.text):
        toks = tokens(sentence)
        if len(toks) >= params.min_answer_words and \
                not find_any(toks, phrases(lang, "objections", "acknowledgement"), language=lang):
            return "rebuttal"
    if found(block, lang, "objections", "acknowledgement"):
        return "acknowledgement"
    return "rebuttal" if len(block.tokens) >= params.min_answer_words else ""


def _answer(episode, lang: str, params: Params) -> tuple[Block | None, str]:
    """The agent's answer to an objection within its episode, and what kind it is."""
    for block in episode:
        if block.speaker != AGENT:
            continue
        kind = _kind(block, lang, params)
        if kind:
            return block, kind
        # a bare "d'accord": look at the agent's next block in the episode
    return None, "missing"
