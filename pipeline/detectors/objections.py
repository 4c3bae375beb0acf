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
                                        match_evidence, question_spans)
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
                               all_blocks[obj.pos], obj.category)
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
            if after_objection and not _moves_on(block, lang, params, all_blocks[pos - 1],
                                                 objections[-1].category):
                answer = _kind(block, lang, params)
            argues = offered and found(block, lang, "objections", "rebuttal",
                                       params.extra_rebuttals) is not None
            # The outbound opener's question ("auriez-vous trois minutes ?") is its first ask.
            opener = outbound and first_agent and "?" in block.text
            # An answer that ends by asking something else ("…was that you?") hands the turn
            # to that question: the customer's "no" answers it, it refuses nothing.
            rebutted = answer == "rebuttal" and not block.text.rstrip().endswith("?")
            pushing = (offer or argues or opener or rebutted) and \
                found(block, lang, "closing", "further_help") is None
            first_agent = False
            continue
        if block.speaker != CUSTOMER:
            continue
        category, match = _category(block, lang, params, weak=False)
        complaint = found(block, lang, "objections", "complaint")
        if match is None and pushing and not _accepts(block, lang):
            category, match = _category(block, lang, params, weak=True)
            if match is None and _CURRENCY & set(block.tokens) and not _asks(block, lang):
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


def _asks(block: Block, lang: str) -> bool:
    """Every sentence of the block is a question: a question mark, a question tag ("…
    dans la maison, non ?", "…, right?"), or, in unpunctuated ASR text, a question word
    opening it ("vous avez une alarme dans la maison non", "what time do you open")."""
    sentences = _sentences(block)
    return bool(sentences) and all(_is_question(s, lang) for s in sentences)


def _is_question(sentence: str, lang: str) -> bool:
    text = sentence.rstrip()
    if text.endswith("?"):
        return True
    toks = tokens(text)
    # "Je ne pense pas, non." refuses: a tag only asks after a sentence that does not say "not".
    if any(tag and toks[-len(tag):] == tag and not has_negation(toks[:-len(tag)])
           for tag in (tokens(p) for p in phrases(lang, "question", "tags"))):
        return True
    unit = Block(speaker="", indices=(), tokens=toks, token_turn=(), text=text, start=0.0,
                 end=0.0)
    return any(start == 0 for start, _ in question_spans(unit, lang))


def _accepts(block: Block, lang: str) -> bool:
    """The customer takes the proposal: an acceptance opening the reply ("Bon. Cinq euros,
    alors.", "No, that sounds fair.") or closing it ("… Bon, d'accord, transférez-le."),
    without a "but" or a "not" in it.  A cap set on the deal ("mais pas plus", "but no
    more") is no "but": it accepts up to it."""
    sentences = _sentences(block)
    if not sentences:
        return False
    refusals = phrases(lang, "objections", "refusal")
    for sentence, opening in ((sentences[0], True), (sentences[-1], False)):
        toks = _without_caps_or_particles(tokens(sentence), lang)
        if toks and find_any(toks[:1], refusals, language=lang):
            toks = toks[1:]           # "No, that sounds fair": the "no" answers the doubt
        if not opening:
            toks = _after_reserve(toks, lang)
        match = find_any(toks, phrases(lang, "objections", "acceptance"), language=lang)
        if match and (not opening or match[0].start <= 1) and \
                not find_any(toks, phrases(lang, "objections", "contrast"), language=lang) and \
                not has_negation(toks):
            return True
    return False


def _without_caps_or_particles(toks: tuple[str, ...], lang: str) -> tuple[str, ...]:
    """The tokens without the caps the customer sets on what they accept ("mais pas plus")
    and without "but" words used as particles (Dutch "zet het dan maar vast")."""
    for key in ("cap", "particle"):   # caps first: "vijf euro dan, maar niet meer"
        while match := find_any(toks, phrases(lang, "objections", key), language=lang):
            toks = toks[:match[0].start] + toks[match[0].end:]
    return toks


def _after_reserve(toks: tuple[str, ...], lang: str) -> tuple[str, ...]:
    """What a sentence says after its last "but" or "not": the customer's last word on it.
    "Deux mois quand même, bon, d'accord, transférez-le" ends in consent, however the ASR
    punctuated it; "d'accord, mais c'est trop cher" does not."""
    contrasts = find_any(toks, phrases(lang, "objections", "contrast"), language=lang)
    reserve = max([m.end for m in contrasts] +
                  [i + 1 for i, t in enumerate(toks) if has_negation((t,))], default=0)
    return toks[reserve:]


def _turns_down(block: Block, lang: str) -> bool:
    """A reply to a proposal that declines it, whatever the reason given: it opens with a
    refusal, or says "but" or "not".  A mere question ("et ça coûte combien ?", "so I'd pay
    less, but for longer?") asks, it does not refuse."""
    if _asks(block, lang):
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
    if found(block, lang, "objections", "concession") or _says_goodbye(block, lang):
        return "acknowledgement"
    if found(block, lang, "objections", "rebuttal", params.extra_rebuttals) or \
            _offers(block, lang, params):
        return "rebuttal"
    # A sentence that argues without acknowledging ("Votre carte ne couvre pas l'annulation.")
    # makes the answer a rebuttal even when a "je vous envoie le détail" follows.
    for sentence in _sentences(block):
        toks = tokens(sentence)
        if len(toks) >= params.min_answer_words and \
                not find_any(toks, phrases(lang, "objections", "acknowledgement"), language=lang):
            return "rebuttal"
    if found(block, lang, "objections", "acknowledgement"):
        return "acknowledgement"
    return "rebuttal" if len(block.tokens) >= params.min_answer_words else ""


def _says_goodbye(block: Block, lang: str) -> bool:
    """The block ends on a farewell: saying goodbye drops the pitch.  A one-word farewell
    counts only as a short last sentence ("Dag."): "binnen een dag" is no goodbye."""
    sentences = _sentences(block)
    last = tokens(sentences[-1]) if sentences else ()
    return any(len(tokens(m.phrase)) >= 2 or len(last) <= 3
               for m in find_any(last, phrases(lang, "closing", "farewell"), language=lang))


def _answer(episode, lang: str, params: Params, objection: Block, category: str
            ) -> tuple[Block | None, str]:
    """The agent's answer to an objection within its episode, and what kind it is."""
    for block in episode:
        if block.speaker != AGENT:
            continue
        if _moves_on(block, lang, params, objection, category):
            return None, "missing"
        kind = _kind(block, lang, params)
        if kind:
            return block, kind
        # a bare "d'accord": look at the agent's next block in the episode
    return None, "missing"


def _moves_on(block: Block, lang: str, params: Params, objection: Block, category: str
              ) -> bool:
    """An agent turn right after an objection that leaves it unanswered: it neither argues,
    nor accepts, nor takes up what the customer objected.

    - An unrelated question ("vous avez une alarme ?") shares no content word with the
      objection.
    - A price objection cannot be answered without speaking of money or value: a turn that
      names none ("Le livreur vous appellera une demi-heure avant.", "N'oubliez pas votre
      carte d'identité.", "Welke datum had u in gedachten?") carries on past it; "but" is a
      rebuttal cue of its own.
    """
    if not _sentences(block):
        return False
    if found(block, lang, "objections", "rebuttal", params.extra_rebuttals) or \
            found(block, lang, "objections", "acknowledgement") or \
            found(block, lang, "objections", "concession") or _offers(block, lang, params):
        return False
    if category == "price":
        return not _speaks_of_money(block, lang)
    if _asks(block, lang):
        return not content_keys(block.text, lang) & content_keys(objection.text, lang)
    return False


def _speaks_of_money(block: Block, lang: str) -> bool:
    """The block names an amount, a price or some value ("moins de 3 %", "la qualité")."""
    toks = block.tokens
    figures = any(t.isdigit() and after not in _CLOCK for t, after in zip(toks, toks[1:] + ("",)))
    return bool(_CURRENCY & set(toks) or figures or found(block, lang, "objections", "money"))


# A figure followed by one of these tells the time ("à 9 heures", "om 12 uur"), not a price.
_CLOCK = frozenset("h heure heures uur u hour hours pm am".split())
