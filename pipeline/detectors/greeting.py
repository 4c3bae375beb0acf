"""greeting — the agent opens with a salutation and identifies themself or the organisation.

Met: salutation and identification in the agent's opening (the agent turns that start within
`opening_s` of the agent's first words); partial: one of the two; not met: neither, or only the
customer greets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.detectors._common import block_evidence, blocks, dedupe, found, join, match_evidence
from pipeline.evidence import Detection, Evidence
from pipeline.text import fold, is_function_word, phrases, tokens
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
    identified = found(opening, lang, "greeting", "identification", params.extra_identifications)

    evidence = []
    if salutation:
        evidence.append(match_evidence(transcript, opening, salutation, "salutation"))
    if identified:
        evidence.append(match_evidence(transcript, opening, identified, "identification"))
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
            words = _WORDS.findall(sentence)
            folded = [fold(w) for w in words]
            hello = [k for k, w in enumerate(folded) if w in salutations]
            if not hello:
                continue
            near = range(max(0, hello[0] - 2), min(len(words), hello[-1] + 4))
            for k in near:
                word, before = words[k], folded[k - 1] if k else ""
                if word[0].isupper() and len(word) > 1 and word[1:] == word[1:].lower() and \
                        folded[k] not in _NOT_NAMES and folded[k] not in salutations and \
                        before not in _NOT_NAMES and not word.startswith(("I'", "I’")):
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
