"""greeting — the agent opens with a salutation and identifies themself or the organisation.

Met: salutation and identification in the agent's opening (the agent turns that start within
`opening_s` of the agent's first words); partial: one of the two; not met: neither, or only the
customer greets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipeline.detectors._common import (block_evidence, blocks, dedupe, found, join,
                                        match_evidence, sentences)
from pipeline.evidence import Detection, Evidence
from pipeline.text import find_any, fold, is_function_word, phrases, tokens
from pipeline.transcript import AGENT, CUSTOMER, Transcript


@dataclass(frozen=True)
class Params:
    opening_s: float = 20.0
    proper_names: bool = True         # a capitalised name after the salutation identifies
    extra_salutations: tuple[str, ...] = ()
    extra_identifications: tuple[str, ...] = ()


def detect(transcript: Transcript, params: Params = Params()) -> Detection:
    """Salutation and self/organisation identification in the agent's opening."""
    agent_turns = transcript.by(AGENT)
    if not agent_turns:
        return _no_agent(transcript)
    first = agent_turns[0][1].start
    opening = join(transcript, [i for i, t in agent_turns if t.start < first + params.opening_s])
    lang = transcript.language
    salutation = found(opening, lang, "greeting", "salutation", params.extra_salutations)
    identified = _identification(transcript, opening, lang, params)

    evidence = []
    if salutation:
        evidence.append(match_evidence(transcript, opening, salutation, "salutation"))
    if identified:
        evidence.append(match_evidence(transcript, opening, identified, "identification"))
    elif (clause := _clause_identification(transcript, opening.indices)) is not None:
        evidence.append(Evidence.of_turn(transcript, clause, "identification"))
    elif (named := _organisation_named(transcript, opening.indices)) is not None:
        evidence.append(Evidence.of_turn(transcript, named, "identification (organisation)"))
    elif params.proper_names and (named := _proper_name(transcript, opening.indices)) is not None:
        evidence.append(Evidence.of_turn(transcript, named, "identification (name)"))
    has = {"salutation": int(salutation is not None),
           "identification": int(any(e.label.startswith("identification") for e in evidence))}
    if all(has.values()):
        return Detection("met", dedupe(evidence), has,
                         "salutation and identification in the agent's opening")
    if any(has.values()):
        missing = "identification" if has["salutation"] else "salutation"
        evidence.append(block_evidence(transcript, opening, f"agent opening (no {missing})"))
        return Detection("partial", dedupe(evidence), has, f"agent opening lacks {missing}")

    evidence.append(block_evidence(transcript, opening,
                                   "agent opening (no salutation, no identification)"))
    customer_greeting = _customer_greeting(transcript)
    note = "no salutation or identification in the agent's opening"
    if customer_greeting:
        evidence.append(customer_greeting)
        note += "; only the customer greets"
    return Detection("not_met", dedupe(evidence), has, note)


def _identification(transcript: Transcript, opening, lang: str, params: Params):
    """The agent's self/organisation identification in the opening, if any.

    "C'est bien le service client de Modalia ?" names an organisation to check it was
    reached: the caller's question, not an introduction (measured on the dev set: such a
    caller looked like the agent, and the roles of the call flipped)."""
    for unit in sentences(transcript, opening):
        if unit.text.rstrip().endswith("?") and found(unit, lang, "greeting", "reached_check"):
            continue
        match = found(unit, lang, "greeting", "identification", params.extra_identifications)
        if match is not None:
            return _in_opening(opening, unit, match)   # the evidence quotes the opening
    return None


def _in_opening(opening, unit, match):
    """A unit's match moved to the token positions of the whole opening."""
    offset = _offset(opening.tokens, unit.tokens)
    return replace(match, start=match.start + offset, end=match.end + offset)


def _offset(whole, part) -> int:
    n = len(part)
    for i in range(len(whole) - n + 1):
        if tuple(whole[i:i + n]) == tuple(part):
            return i
    return 0


# Capitalised words that name nobody: titles address the customer ("Bonjour Madame Dupont").
_NOT_NAMES = frozenset(
    "monsieur madame mademoiselle messieurs dames m mme mlle mr mrs ms miss sir madam dr docteur "
    "meneer mevrouw juffrouw dhr mevr heer i u ok okay oui non yes no ja nee allo alo bon ben "
    "alors euh ah eh voila so well yeah nou "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december".split())
_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def _proper_name(transcript: Transcript, indices) -> int | None:
    """A turn of the opening where a capitalised name stands next to the salutation
    ("Bonjour, Énergie Plus, j'écoute", "Orange, bonjour"); only cased text (Whisper, people)
    carries that clue, and only right beside the salutation is it the agent's own name."""
    lang = transcript.language
    salutations = {w for p in phrases(lang, "greeting", "salutation") for w in tokens(p)
                   if not is_function_word(w, lang)}    # "bonjour", "morning", not "le"/"votre"
    for index in indices:
        text = transcript.turns[index].text
        if text == text.lower() or text == text.upper():
            continue
        for sentence in re.split(r"(?<=[.?!])\s+", text):
            spans = list(_WORDS.finditer(sentence))
            words = [m.group() for m in spans]
            folded = [fold(w) for w in words]
            hello = [k for k, w in enumerate(folded) if w in salutations]
            if not hello:
                continue
            near = range(max(0, hello[0] - 2), min(len(words), hello[-1] + 4))
            for k in near:
                word = words[k]
                if word[0].isupper() and len(word) > 1 and word[1:] == word[1:].lower() and \
                        folded[k] not in _NOT_NAMES and folded[k] not in salutations and \
                        not _addressed(sentence, spans, folded, k) and \
                        not word.startswith(("I'", "I’")):
                    return index
    return None


def _addressed(sentence: str, spans, folded: list[str], k: int) -> bool:
    """The name at word k follows a title, so it is the customer's ("Bonjour madame Dupont",
    "Bonjour madame Claire Dupont").  A comma between them ends the address: in "Bonsoir
    monsieur, Camille, de …" the agent names themself, unless the name is what the sentence
    asks ("Bonjour madame, Julie Martin ?")."""
    def comma(a: int, b: int) -> bool:
        return "," in sentence[spans[a].end():spans[b].start()]

    j = k - 1                 # back over the name's other words to what stands before it
    while j >= 0 and spans[j].group()[0].isupper() and folded[j] not in _NOT_NAMES and \
            not comma(j, j + 1):
        j -= 1
    if j < 0 or folded[j] not in _NOT_NAMES:
        return False
    asked = sentence.rstrip().endswith("?") and \
        all(m.group()[0].isupper() for m in spans[k + 1:])
    return not comma(j, j + 1) or asked


_CLAUSE = re.compile(r"[^,.;:!?…]+")


def _clause_identification(transcript: Transcript, indices) -> int | None:
    """A turn of the opening with a clause that is nothing but a self-introduction formula
    ("Gemeente Zemst, dienst afval, met Koen.", "Hi, Sarah here, how can I help?"): the
    formula ("met *") is too common a phrase to count inside a longer clause ("in verband met
    uw factuur"), but said as a clause of its own it names the agent.  A turn boundary ends a
    clause too, so unpunctuated text counts when the formula fills a whole turn."""
    lang = transcript.language
    formulas = phrases(lang, "greeting", "identification_clause")
    if not formulas:
        return None
    for index in indices:
        text = transcript.turns[index].text
        cased = text not in (text.lower(), text.upper())
        for clause in _CLAUSE.findall(text):
            toks = tokens(clause)
            if not toks or len(toks) > 4:
                continue
            # Besides the formula's own words, only a name: no "uw", "the", "wie", and in
            # cased text a capitalised one ("bad line here" names nobody).
            literal = {t for m in find_any(toks, formulas, language=lang)
                       if m.start == 0 for t in tokens(m.phrase.replace("*", " "))}
            if not literal or any(t not in literal and is_function_word(t, lang) for t in toks):
                continue
            if cased and any(not word[0].isupper() for word in _WORDS.findall(clause)
                             if not set(tokens(word)) <= literal):
                continue
            return index
    return None


# An organisation's name stands in one of the opening turn's first clauses: the kind word and
# a name after it, a short clause.
_ORGANISATION_CLAUSES = 2
_ORGANISATION_WORDS = (2, 5)


def _organisation_named(transcript: Transcript, indices) -> int | None:
    """A turn of the opening that answers with the organisation's name: a short clause,
    first or right after the salutation, that starts with a kind of organisation ("SPF
    Finances, centre de contact, …", "Bonjour, Banque Lambermont, …", "Gemeente Zemst,
    dienst afval, …").  The kind word carries it even when the ASR garbles the proper name
    after it, and it needs no capital letters (unpunctuated, lowercase ASR)."""
    lang = transcript.language
    kinds = {t for p in phrases(lang, "greeting", "organisation_types") for t in tokens(p)}
    salutations = phrases(lang, "greeting", "salutation")
    for index in indices:
        clauses = [tokens(c) for c in _CLAUSE.findall(transcript.turns[index].text)]
        clauses = [c for c in clauses if c and not (
            len(c) <= 3 and find_any(c, salutations, language=lang))]   # "Bonjour," aside
        for toks in clauses[:_ORGANISATION_CLAUSES]:
            if toks[0] in kinds and _ORGANISATION_WORDS[0] <= len(toks) <= _ORGANISATION_WORDS[1]:
                return index
    return None


def _customer_greeting(transcript: Transcript):
    for block in blocks(transcript)[:3]:
        if block.speaker != CUSTOMER:
            continue
        match = found(block, transcript.language, "greeting", "salutation")
        if match:
            return match_evidence(transcript, block, match, "customer salutation")
    return None


def _no_agent(transcript: Transcript) -> Detection:
    evidence = tuple(block_evidence(transcript, b, "no agent speech in the call")
                     for b in blocks(transcript)[:1])
    return Detection("not_met", evidence, {"salutation": 0, "identification": 0},
                     "the agent never speaks")
