"""objections — customer objections to an agent's proposal, and the agent's rebuttals.

An objection is the customer resisting an offer: price, no need, timing, already served,
distrust.  It counts only once the agent has proposed something (offer cues, a proposal such as
"je peux vous faire passer à 12 euros", an add-on with its price, or any outbound call); before
that, or when the customer complains without an offer just made, it is a complaint about the
service, not an objection.  Right after a proposal or a rebuttal, a reply that turns it down —
a refusal, a "but", a negation — is an objection even without a typical phrase (category
"other"), unless it accepts; a weak "non merci" counts only there (never after "anything
else?").

Each objection opens an episode up to the next one; the agent's answer in it is a rebuttal
(pushes back or argues), an acknowledgement (accepts the refusal), or missing (no answer, or
an unrelated question that moves on).
Not applicable: no objection.  Met: every objection answered and at most `max_rebuttals`
rebuttals.  Not met: an objection unanswered, or rebuttals beyond the limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.detectors._common import (Block, block_evidence, blocks, dedupe, found,
                                        match_evidence)
from pipeline.detectors._direction import call_direction
from pipeline.evidence import Detection
from pipeline.text import Match, content_keys, find_any, has_negation, phrases, tokens
from pipeline.transcript import AGENT, CUSTOMER, Transcript

CATEGORIES = ("price", "no_need", "timing", "already_served", "distrust")
# An amount of money in an agent's turn, with "aussi"/"also"/"ook", is an add-on on sale.
_CURRENCY = frozenset("euro euros eur dollar dollars usd pound pounds gbp quid".split())


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
    outbound = call_direction(transcript).value == "outbound"
    raised, complaints = _objections(all_blocks, lang, params, outbound)

    evidence = [block_evidence(transcript, all_blocks[p], "complaint (not an objection)")
                for p in complaints]
    count = rebuttals = unanswered = 0
    for k, obj in enumerate(raised):
        # The same objection said again right after the answer is the same objection insisted
        # on, not a new one; answering it again is still one more rebuttal.
        repeated = k > 0 and raised[k - 1].category == obj.category != "other"
        count += not repeated
        end = raised[k + 1].pos if k + 1 < len(raised) else len(all_blocks)
        answer, kind = _answer(all_blocks[obj.pos + 1:end], lang, params,
                               all_blocks[obj.pos])
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


def _objections(all_blocks, lang: str, params: Params, outbound: bool
                ) -> tuple[list[_Objection], list[int]]:
    objections: list[_Objection] = []
    complaints: list[int] = []
    # An outbound call is a pitch from its first word: "je n'ai pas le temps" resists it.
    offered = outbound
    pushing = False                   # the agent's latest block offers or argues
    first_agent = True
    for pos, block in enumerate(all_blocks):
        if block.speaker == AGENT:
            after_objection = bool(objections) and objections[-1].pos == pos - 1
            offer = _offers(block, lang, params)
            offered = offered or offer
            answer = ""
            if after_objection and not _moves_on(block, lang, params, all_blocks[pos - 1]):
                answer = _kind(block, lang, params)
            argues = offered and found(block, lang, "objections", "rebuttal",
                                       params.extra_rebuttals) is not None
            # The outbound opener's question ("auriez-vous trois minutes ?") is its first ask.
            opener = outbound and first_agent and "?" in block.text
            pushing = (offer or argues or opener or answer == "rebuttal") and \
                found(block, lang, "closing", "further_help") is None
            first_agent = False
            continue
        if block.speaker != CUSTOMER:
            continue
        category, match = _category(block, lang, params, weak=False)
        complaint = found(block, lang, "objections", "complaint")
        if match is None and pushing and not _accepts(block, lang):
            category, match = _category(block, lang, params, weak=True)
            if match is None and _CURRENCY & set(block.tokens) and not _asks(block):
                # "Chez Orbix, c'est 39 euros": a price held up against the offer.
                category, match = "price", Match("names a price", 0, len(block.tokens), 100.0)
            # "J'ai déjà essayé, ça ne marche toujours pas" turns advice down by complaining.
            if match is None and complaint is None and _turns_down(block, lang):
                category, match = "other", Match("turns the proposal down", 0,
                                                 len(block.tokens), 100.0)
        if match is not None and objections and \
                found(block, lang, "objections", "hangs_up") is not None:
            # "Non. Au revoir." after objections already raised: the customer hangs up on
            # the pitch; that ends the call rather than raising one more objection.
            match = None
        if match is not None and offered and not (complaint and not pushing):
            objections.append(_Objection(pos, category, match))
        elif complaint is not None:
            complaints.append(pos)
    return objections, complaints


def _sentences(block: Block) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!;…])\s+", block.text.strip()) if tokens(s)]


def _asks(block: Block) -> bool:
    return all(s.rstrip().endswith("?") for s in _sentences(block))


def _accepts(block: Block, lang: str) -> bool:
    """The customer takes the proposal: an acceptance opening the reply ("Bon. Cinq euros,
    alors.", "No, that sounds fair.") or closing it ("… Bon, d'accord, transférez-le."),
    without a "but" or a "not" in it."""
    sentences = _sentences(block)
    if not sentences:
        return False
    refusals = phrases(lang, "objections", "refusal")
    for sentence, opening in ((sentences[0], True), (sentences[-1], False)):
        toks = tokens(sentence)
        if toks and find_any(toks[:1], refusals, language=lang):
            toks = toks[1:]           # "No, that sounds fair": the "no" answers the doubt
        match = find_any(toks, phrases(lang, "objections", "acceptance"), language=lang)
        if match and (not opening or match[0].start <= 1) and \
                not find_any(toks, phrases(lang, "objections", "contrast"), language=lang) and \
                not has_negation(toks):
            return True
    return False


def _turns_down(block: Block, lang: str) -> bool:
    """A reply to a proposal that declines it, whatever the reason given: it opens with a
    refusal, or says "but" or "not".  A mere question ("et ça coûte combien ?", "so I'd pay
    less, but for longer?") asks, it does not refuse."""
    if _asks(block):
        return False
    sentences = _sentences(block)
    first = tokens(sentences[0]) if sentences else ()
    refusal = bool(find_any(first[:2], phrases(lang, "objections", "refusal"), language=lang))
    contrast = found(block, lang, "objections", "contrast") is not None
    return refusal or contrast or has_negation(block.tokens)


def _offers(block: Block, lang: str, params: Params) -> bool:
    """The agent proposes something: a commercial cue, a proposal ("je peux vous faire passer
    à…", "plutôt que de résilier…"), an add-on with its price, or a proposing verb with a
    product in the same turn ("je vous conseille notre formule", not "je vous conseille de
    redémarrer votre box": a suggestion resisted is not a sales objection)."""
    if found(block, lang, "objections", "offer", params.extra_offers) is not None or \
            found(block, lang, "objections", "proposal") is not None:
        return True
    if _CURRENCY & set(block.tokens) and found(block, lang, "objections", "addon") is not None:
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


def _answer(episode, lang: str, params: Params, objection: Block
            ) -> tuple[Block | None, str]:
    """The agent's answer to an objection within its episode, and what kind it is."""
    for block in episode:
        if block.speaker != AGENT:
            continue
        if _moves_on(block, lang, params, objection):
            return None, "missing"
        kind = _kind(block, lang, params)
        if kind:
            return block, kind
        # a bare "d'accord": look at the agent's next block in the episode
    return None, "missing"


def _moves_on(block: Block, lang: str, params: Params, objection: Block) -> bool:
    """An agent turn that only asks something unrelated ("vous avez une alarme ?") right
    after an objection leaves it unanswered: it neither argues, nor accepts, nor takes up
    a word of what the customer objected."""
    if not _sentences(block) or not _asks(block):
        return False
    if found(block, lang, "objections", "rebuttal", params.extra_rebuttals) or \
            found(block, lang, "objections", "acknowledgement") or _offers(block, lang, params):
        return False
    return not content_keys(block.text, lang) & content_keys(objection.text, lang)
