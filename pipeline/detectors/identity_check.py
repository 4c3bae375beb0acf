"""identity_check — the agent asks for, or explicitly confirms, an identifying datum.

Data: customer/contract/account number, full name, date of birth, address or postcode, phone,
e-mail, of the customer: "what is the company address?" (a payee's) is not one.  "What can I
do for you?" is not one either.  A request is an agent block naming a datum with
a request cue (or a question mark, or a customer answer that reads like data right after).
A confirmation is an agent block right after the customer gave data that reads a number back
or uses a confirmation phrase.  A question reading out a number the agent holds ("C'est bien
la ligne qui finit par 47 12 ?") or made of a title and a name only ("Madame Perrin ?") checks
the customer's identity on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.detectors._common import (Block, block_evidence, blocks, dedupe, found,
                                        match_evidence, question_spans, search, sentences)
from pipeline.evidence import Detection, Evidence
from pipeline.text import Match, digit_runs, find_any, is_stop_word, phrases, tokens
from pipeline.transcript import AGENT, CUSTOMER, Transcript


@dataclass(frozen=True)
class Params:
    min_digits: int = 3               # a read-out number must have this many digits to count
    request_window: int = 8           # words between a request cue and the datum it asks for
    extra_data: tuple[str, ...] = ()
    extra_requests: tuple[str, ...] = ()


def detect(transcript: Transcript, params: Params = Params()) -> Detection:
    """Met when at least one agent turn asks for or confirms an identifying datum."""
    lang = transcript.language
    all_blocks = blocks(transcript)
    evidence: list[Evidence] = []
    requests = confirmations = 0
    elsewhere = False                 # the agent's last datum question was about a third party
    for pos, block in enumerate(all_blocks):
        if block.speaker != AGENT:
            continue
        answer = _next(all_blocks, pos, CUSTOMER)
        before = _previous(all_blocks, pos, CUSTOMER)
        request, elsewhere = _request(transcript, block, answer, lang, params, elsewhere)
        if request is not None:
            requests += 1
            evidence.append(request)
            if answer is not None:
                evidence.append(block_evidence(transcript, answer, "customer answer"))
        elif before is not None and not elsewhere and _gives_data(before, lang, params) and \
                _confirms(block, before, lang, params):
            confirmations += 1
            evidence.append(block_evidence(transcript, before, "customer data"))
            evidence.append(block_evidence(transcript, block, "identity confirmation"))

    facts = {"requests": requests, "confirmations": confirmations}
    if requests or confirmations:
        return Detection("met", dedupe(evidence), facts,
                         f"{requests} identity request(s), {confirmations} confirmation(s)")
    return Detection("not_met", _examined(transcript, all_blocks, lang, params), facts,
                     "the agent never asks for or confirms an identifying datum")


def _next(all_blocks, pos: int, speaker: str) -> Block | None:
    following = all_blocks[pos + 1:pos + 2]
    return following[0] if following and following[0].speaker == speaker else None


def _previous(all_blocks, pos: int, speaker: str) -> Block | None:
    return all_blocks[pos - 1] if pos and all_blocks[pos - 1].speaker == speaker else None


def _request(transcript: Transcript, block: Block, answer: Block | None, lang: str,
             params: Params, elsewhere: bool) -> tuple[Evidence | None, bool]:
    """Evidence of a sentence naming a datum and asking for it (or answered with data), and
    whether the datum talk is now about a third party.

    "What is the company address?" asks for the payee's data, not the customer's; a follow-up
    with no possessive ("can you repeat that zip code?") stays on that third party, while
    "your …" comes back to the customer.
    """
    for unit in sentences(transcript, block):
        # "je parle bien à madame X ?", "am I speaking with ...": a check on its own.
        check = found(unit, lang, "identity", "check")
        if check is not None:
            return match_evidence(transcript, unit, check, "identity request"), False
        if found(unit, lang, "identity", "third_party") is not None and \
                (question_spans(unit, lang) or _asks(unit, lang, params)):
            elsewhere = True          # "what is the company's name / address?"
            continue
        readback = _reads_back(unit, lang, params)
        if readback is not None:
            return match_evidence(transcript, unit, readback, "identity check (read back)"), False
        if _names_customer(unit, lang):
            return block_evidence(transcript, unit, "identity check (name)"), False
        datum = found(unit, lang, "identity", "datum", params.extra_data)
        if datum is None:
            continue
        own = any(datum.start - 3 <= m.start < datum.end
                  for m in search(unit, lang, "identity", "own"))
        if elsewhere and not own:
            continue
        elsewhere = False
        if _asks(unit, lang, params, near=datum) or _gives_data(answer, lang, params):
            return match_evidence(transcript, unit, datum, "identity request"), False
    return None, elsewhere


def _reads_back(unit: Block, lang: str, params: Params) -> Match | None:
    """A question reading a number out for the customer to confirm ("C'est bien la ligne qui
    finit par 47 12 ?", "Is that still 0412 55 87 90?", "Eindigt uw rekening op 4471?"): the
    agent confirms a datum they already hold.  It needs a read-back cue ("c'est bien",
    "is that still", "eindigt op") and four digits or more: amounts and times are no
    identifiers (`digit_runs`), nor is a year ("c'est bien le modèle 2019 ?").

    ASR often ends a question said with a statement's intonation with a full stop ("Je suis
    bien au 0475 12 34 56 chez monsieur Renard."): a sentence that opens with the cue still
    reads the number back."""
    runs = [r for r in digit_runs(unit.tokens, lang, min_len=max(params.min_digits, 4))
            if not _YEAR.fullmatch(r)]
    if not runs:
        return None
    cue = found(unit, lang, "identity", "readback")
    asked = unit.is_question or bool(question_spans(unit, lang))
    return cue if cue is not None and (asked or cue.start <= 1) else None


_YEAR = re.compile(r"(?:19|20)\d\d")


def _names_customer(unit: Block, lang: str) -> bool:
    """A question that is only a title and a name ("Madame Perrin ?", "Is this Mr Osei?",
    "Meneer De Smet?"): the agent checks who is on the line.  Leading salutation or function
    words may stand before the title; nothing else may follow the name ("Madame, vous avez
    reçu notre courrier ?" addresses her, it checks nothing)."""
    if not unit.is_question:
        return False
    titles = _words(lang, "identity", "titles")
    openers = _words(lang, "greeting", "salutation")
    toks = list(unit.tokens)
    while toks and toks[0] not in titles and (toks[0] in openers or is_stop_word(toks[0], lang)):
        toks.pop(0)
    name = toks[1:]
    return bool(toks) and toks[0] in titles and 1 <= len(name) <= 2 and \
        not any(is_stop_word(t, lang) or t.isdigit() for t in name)


def _words(lang: str, section: str, key: str) -> frozenset[str]:
    return frozenset(t for p in phrases(lang, section, key) for t in tokens(p))


def _asks(block: Block, lang: str, params: Params, near: Match | None = None) -> bool:
    """A question, or a request cue (near the datum: unpunctuated ASR runs on for long)."""
    if block.is_question:
        return True
    cues = find_any(block.tokens, phrases(lang, "identity", "request", params.extra_requests),
                    language=lang)
    if near is None:
        return bool(cues)
    return any(near.start - params.request_window <= m.start and m.end <= near.end + 4
               for m in cues)


def _gives_data(block: Block | None, lang: str, params: Params) -> bool:
    """The customer block reads like identifying data (a long number, 'my name is'...)."""
    if block is None:
        return False
    return bool(digit_runs(block.tokens, lang, min_len=params.min_digits)) or \
        found(block, lang, "identity", "customer_datum") is not None


def _confirms(block: Block, before: Block, lang: str, params: Params) -> bool:
    said = digit_runs(before.tokens, lang, min_len=params.min_digits)
    echoed = digit_runs(block.tokens, lang, min_len=params.min_digits)
    if any(a in b or b in a for a in said for b in echoed):
        return True
    return found(block, lang, "identity", "confirm") is not None


def _examined(transcript: Transcript, all_blocks, lang: str, params: Params
              ) -> tuple[Evidence, ...]:
    """For a not-met verdict: the agent's questions (they asked, but not for identity)."""
    agent = [b for b in all_blocks if b.speaker == AGENT]
    # The opening's "how can I help?" is not a question about the customer's request.
    asked = [b for b in agent[1:] if _asks(b, lang, params)] or \
        [b for b in agent[:1] if _asks(b, lang, params)]
    questions = asked[:3]
    chosen = questions or agent[:2]
    label = "agent question (no identifying datum)" if questions else \
        "agent turn examined (no identity check)"
    return tuple(block_evidence(transcript, b, label) for b in chosen)
