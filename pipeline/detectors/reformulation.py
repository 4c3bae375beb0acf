"""reformulation — the agent restates the customer's request or problem in their own words.

An agent block counts when it carries an explicit marker ("si je comprends bien", "donc vous
souhaitez", "so what you're saying is") followed by content; a weak marker ("donc vous avez",
"so your") plus content shared with the customer's last turns (or, as the first answer to the
request, the need put in other words); or — unmarked — enough shared content words (lemmas,
stop words removed, Dutch compounds met by their head), making a fair share of the customer's
words or most of the agent sentence's own.  A customer's bare yes or no lends them the words
of the question it answers.  Sentences that ask or give something new (questions, results,
instructions, new figures) never restate; a question word inside a statement ("… quand vous
voulez.") is a conjunction and a negated instruction cue ("you can't …") a problem stated; a
statement the ASR ran into the next question ("vous avez besoin d'un plafond plus élevé
quelles sont votre nom ?") is judged without it.
A backchannel or an echo of one or two words shares too little; the customer restating the
agent is never looked at, since only agent blocks are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.detectors._common import (Block, block_evidence, blocks, dedupe, find_all, found,
                                        question_spans, sentences, statements)
from pipeline.evidence import Detection, Evidence
from pipeline.text import (content_keys, find_any, is_function_word, is_stop_word, number_words,
                           phrases, tokens)
from pipeline.transcript import AGENT, CUSTOMER, Transcript


_NEGATIONS = frozenset("ne n pas jamais plus rien aucun not no never nothing niet geen nooit "
                       "niets".split())

# Unmarked paraphrase of a long account: this share of the agent sentence's own content words
# must come from the customer (a module constant, not a Param: the rubric schema lists Params).
_MIN_PRECISION_UNMARKED = 0.5


@dataclass(frozen=True)
class Params:
    min_count: int = 1                # instances needed for "met"
    min_shared_unmarked: int = 3      # content words shared with the customer, no marker
    min_coverage_unmarked: float = 0.25   # ... and this share of the customer's content words
    min_shared_marked: int = 2        # content words shared when a weak marker is present
    min_content_marked: int = 2       # content words after an explicit marker
    min_shared_mirror: int = 2        # a short account mirrored back to the customer ...
    min_coverage_mirror: float = 0.6  # ... keeping this share of its content words
    context_blocks: int = 2           # customer blocks looked back at (plus the request)
    extra_markers: tuple[str, ...] = ()


def detect(transcript: Transcript, params: Params = Params()) -> Detection:
    """Count the agent's reformulations of what the customer said; every instance is evidence."""
    lang = transcript.language
    all_blocks = blocks(transcript)
    evidence: list[Evidence] = []
    marked = unmarked = 0
    request = _main_request(all_blocks, lang)
    for pos, block in enumerate(all_blocks):
        if block.speaker != AGENT:
            continue
        context = [b for b in all_blocks[:pos] if b.speaker == CUSTOMER][-params.context_blocks:]
        if not context:
            continue            # nothing said by the customer yet: nothing to restate
        if request is not None and request.end <= block.start and request not in context:
            context.insert(0, request)      # the request stays restatable after an ID check
        first_reply = request is not None and context[-1] is request and \
            not any(b.speaker == AGENT for b in all_blocks[all_blocks.index(request) + 1:pos])
        kind, unit = _kind(transcript, block, context, lang, params, first_reply=first_reply,
                           asked=_answered(all_blocks, context, lang))
        if kind:
            marked += kind == "marked"
            unmarked += kind == "paraphrase"
            evidence.append(block_evidence(transcript, unit, f"reformulation ({kind})"))
            evidence.append(block_evidence(transcript, _source(unit, context, request, lang),
                                           "customer said"))

    count = marked + unmarked
    facts = {"count": count, "marked": marked, "paraphrase": unmarked}
    if count >= params.min_count:
        return Detection("met", dedupe(evidence), facts, f"{count} reformulation(s)")
    if request is None:
        return Detection("not_applicable", (), facts, "the customer states no request")
    examined = [block_evidence(transcript, request, "customer request (not reformulated)")]
    reply = next((b for b in all_blocks if b.speaker == AGENT and b.start >= request.end), None)
    if reply is not None:
        examined.append(block_evidence(transcript, reply, "agent reply"))
    return Detection("not_met", tuple(examined), facts,
                     "the agent never restates the customer's request")


def _kind(transcript: Transcript, block: Block, context: list[Block], lang: str,
          params: Params, *, first_reply: bool, asked: frozenset[str] = frozenset()
          ) -> tuple[str, Block | None]:
    """("marked" | "paraphrase" | "", the sentence(s) that restate).

    `asked` are the content words of agent questions the customer answered with a bare yes
    or no: "No, definitely not" to "we stopped a payment to a shop, was that you?" says
    "I did not make that payment"."""
    theirs = frozenset().union(*(content_keys(b.text, lang) for b in context))
    explicit = found(block, lang, "reformulation", "markers", params.extra_markers)
    if explicit:
        after = content_keys(" ".join(block.tokens[explicit.end:]), lang)
        if len(after) >= params.min_content_marked or after & theirs:
            # Quote the sentence that holds the marker, not the agent's whole block.
            unit = next((u for u in sentences(transcript, block)
                         if found(u, lang, "reformulation", "markers", params.extra_markers)),
                        block)
            return "marked", unit
    # Without an explicit marker, only sentences that restate count: not questions asking for
    # something new, not results or instructions, not new figures (that is an answer).
    heard = {t for b in context for t in b.tokens}
    restating = [u for u in statements(transcript, block, lang)
                 if not _gives_or_asks_new(u, heard, lang)]
    if not restating:
        return "", None
    keys = {id(u): content_keys(u.text, lang) for u in restating}
    words = tuple(t for b in context for t in b.tokens)
    common = {id(u): (keys[id(u)] & theirs) | _compounds(u.tokens, words, lang)
              for u in restating}
    shared = frozenset().union(*common.values())
    for unit in restating:
        if found(unit, lang, "reformulation", "soft_markers") is None:
            continue
        if len(shared) >= params.min_shared_marked:
            return "marked", unit
        # Words of the question they answered yes or no to, with at least one of their own.
        if common[id(unit)] and \
                len(common[id(unit)] | (keys[id(unit)] & asked)) >= params.min_shared_marked:
            return "marked", unit
        # The agent's first answer to the request, stating the customer's need in other words
        # ("Vous avez besoin d'un plafond plus élevé"): a restatement with no word in common.
        if first_reply and len(keys[id(unit)]) >= 2:
            return "marked", unit
    # Unmarked paraphrase: several of the customer's content words, a fair share of them,
    # inside a sentence long enough to be more than an echo.
    if len(shared) >= params.min_shared_unmarked and \
            len(shared) / len(theirs) >= params.min_coverage_unmarked:
        longest = max(restating, key=lambda u: len(u.tokens))
        if len(longest.tokens) >= 5:
            return "paraphrase", longest
    # A long account is restated in a few of its words ("U weet niet meer waar u met uw
    # snoeiafval terechtkunt" for three sentences about the waste calendar): then most of
    # the sentence's own content comes from the customer, and it speaks to and about them,
    # not about what the agent does ("je déverrouille le compte et je vous crée un mot de
    # passe" reuses the words of the problem to announce its fix).
    for unit in restating:
        mine = keys[id(unit)]
        if len(common[id(unit)]) >= params.min_shared_unmarked and mine and \
                len(common[id(unit)] & mine) / len(mine) >= _MIN_PRECISION_UNMARKED and \
                len(unit.tokens) >= 5 and \
                found(unit, lang, "reformulation", "addressee") is not None and \
                found(unit, lang, "reformulation", "agent_acts") is None:
            return "paraphrase", unit
    # A mirror of a short account ("mon colis n'est jamais arrivé" -> "votre colis n'est pas
    # arrivé"): most of what the customer just said, turned to address them, with the same
    # polarity (an answer reusing the words usually flips it: "votre colis arrive demain").
    last = context[-1]
    said = content_keys(last.text, lang)
    for unit in restating:
        mirrored = keys[id(unit)] & said
        if len(mirrored) >= params.min_shared_mirror and len(unit.tokens) >= 4 and \
                len(mirrored) / len(said) >= params.min_coverage_mirror and \
                found(unit, lang, "reformulation", "addressee") is not None and \
                _negated(unit.tokens) == _negated(last.tokens):
            return "paraphrase", unit
    return "", None


def _negated(toks) -> bool:
    return any(t in _NEGATIONS for t in toks)


_STATEMENT = re.compile(r"[.!;…]\s*$")


def _gives_or_asks_new(unit: Block, heard: set[str], lang: str) -> bool:
    numbers = number_words(lang)
    if any(t not in heard and (t.isdigit() or t in numbers) for t in unit.tokens):
        return True
    # An instruction cue negated is no instruction: "you can't release it from there" states
    # the customer's problem, "you can release it from the portal" tells them what to do.
    if any(not _NEGATIONS.intersection(unit.tokens[m.end:m.end + 2])
           for m in find_all(unit, lang, "reformulation", "gives_new")):
        return True
    # A question word inside a sentence said as a statement is a conjunction, not a question:
    # "u weet niet waar u ermee terechtkunt.", "que vous arrêtez quand vous voulez.".
    statement = _STATEMENT.search(unit.text) is not None
    for m in find_all(unit, lang, "reformulation", "asks_new"):
        words = tokens(m.phrase)
        if statement and m.start > 0 and len(words) == 1 and is_function_word(words[0], lang):
            continue
        return True
    return False


def _compounds(mine, theirs, lang: str) -> frozenset[str]:
    """Content keys of the agent's words that meet one of the customer's as the head or the
    whole of a compound ("kalender" / "afvalkalender"): Dutch writes compounds as one word,
    which content keys (cut to six letters) cannot see."""
    if lang != "nl":
        return frozenset()
    found_keys: set[str] = set()
    for word in set(mine):
        if len(word) < 5 or is_stop_word(word, lang):
            continue
        for other in set(theirs):
            short, long_ = sorted((word, other), key=len)
            if len(short) >= 5 and len(long_) >= len(short) + 3 and long_.endswith(short) and \
                    not is_stop_word(short, lang):
                found_keys |= content_keys(word, lang)
                break
    return frozenset(found_keys)


def _answered(all_blocks, context: list[Block], lang: str) -> frozenset[str]:
    """Content words of the agent questions that customer blocks of `context` answer with a
    bare yes or no ("No, definitely not." to "... Was that you?")."""
    answers = phrases(lang, "reformulation", "polar_answers")
    asked: set[str] = set()
    for block in context:
        pos = all_blocks.index(block)
        if not pos or all_blocks[pos - 1].speaker != AGENT:
            continue
        question = all_blocks[pos - 1]
        if not (question.is_question or question_spans(question, lang)):
            continue
        if any(m.start == 0 for m in find_any(block.tokens[:3], answers, language=lang)):
            asked |= content_keys(question.text, lang)
    return frozenset(asked)


def _source(unit: Block, context: list[Block], request: Block | None, lang: str) -> Block:
    """The customer block the agent restates: most words in common, else the request."""
    mine = content_keys(unit.text, lang)
    best = max(reversed(context), key=lambda b: len(mine & content_keys(b.text, lang)))
    if not mine & content_keys(best.text, lang) and request in context:
        return request
    return best


def _main_request(all_blocks, lang: str) -> Block | None:
    """The customer's first block with real content (the request to be reformulated)."""
    for block in all_blocks:
        if block.speaker == CUSTOMER and len(content_keys(block.text, lang)) >= 2:
            return block
    return None
