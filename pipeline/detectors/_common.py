"""Helpers shared by the detectors: speaker blocks, phrase search in them, evidence quotes.

ASR and diarisation cut one utterance into several short turns, so detectors reason on
*blocks*: consecutive turns of one speaker joined, with each token remembering its turn so
evidence can quote exactly the turns where a phrase was found.  Blocks are cut into sentences,
and sentences into what asks (`question_spans`) and what states (`statements`), with or
without punctuation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable, Sequence

from pipeline.evidence import Detection, Evidence
from pipeline.text import Match, find_any, phrases, tokens
from pipeline.transcript import AGENT, Transcript


@dataclass(frozen=True)
class Block:
    """Consecutive turns of one speaker, joined."""

    speaker: str
    indices: tuple[int, ...]          # transcript turn indices
    tokens: tuple[str, ...]           # folded tokens of all the turns
    token_turn: tuple[int, ...]       # turn index of each token
    text: str                         # the turns' original text, joined
    start: float
    end: float
    sentence: bool = False            # one sentence of its turns: evidence quotes just it

    @property
    def is_question(self) -> bool:
        return "?" in self.text


def join(transcript: Transcript, indices: Sequence[int]) -> Block:
    """One block of the given turns (same speaker assumed), in time order."""
    turns = [transcript.turns[i] for i in indices]
    toks: list[str] = []
    owner: list[int] = []
    for i, turn in zip(indices, turns):
        words = tokens(turn.text)
        toks.extend(words)
        owner.extend([i] * len(words))
    return Block(speaker=turns[0].speaker if turns else "", indices=tuple(indices),
                 tokens=tuple(toks), token_turn=tuple(owner),
                 text=" ".join(t.text.strip() for t in turns),
                 start=min((t.start for t in turns), default=0.0),
                 end=max((t.end for t in turns), default=0.0))


@lru_cache(maxsize=8)
def blocks(transcript: Transcript) -> tuple[Block, ...]:
    """The transcript as alternating speaker blocks (empty turns skipped)."""
    groups: list[list[int]] = []
    for i, turn in enumerate(transcript.turns):
        if not tokens(turn.text):
            continue
        if groups and transcript.turns[groups[-1][-1]].speaker == turn.speaker:
            groups[-1].append(i)
        else:
            groups.append([i])
    return tuple(join(transcript, g) for g in groups)


_SENTENCE_END = re.compile(r"[.?!;]\s*$")
_STATEMENT_END = re.compile(r"[.!;…]\s*$")


def sentences(transcript: Transcript, block: Block) -> tuple[Block, ...]:
    """A block cut at sentence punctuation; unpunctuated ASR text stays one unit, whatever
    its turn boundaries (a turn boundary is not a sentence boundary)."""
    units: list[Block] = []
    pending: list[tuple[int, str]] = []

    def flush() -> None:
        if any(tokens(piece) for _, piece in pending):
            units.append(_unit(transcript, block.speaker, pending))
        pending.clear()

    for i in block.indices:
        for piece in re.split(r"(?<=[.?!;])\s+", transcript.turns[i].text.strip()):
            pending.append((i, piece))
            if _SENTENCE_END.search(piece):
                flush()
    flush()
    return tuple(units)


def _unit(transcript: Transcript, speaker: str, pieces: list[tuple[int, str]]) -> Block:
    toks: list[str] = []
    owner: list[int] = []
    for i, piece in pieces:
        words = tokens(piece)
        toks.extend(words)
        owner.extend([i] * len(words))
    indices = tuple(dict.fromkeys(i for i, _ in pieces))
    turns = [transcript.turns[i] for i in indices]
    return Block(speaker=speaker, indices=indices, tokens=tuple(toks), token_turn=tuple(owner),
                 text=" ".join(piece for _, piece in pieces),
                 start=min(t.start for t in turns), end=max(t.end for t in turns), sentence=True)


def agent_blocks(transcript: Transcript) -> tuple[Block, ...]:
    return tuple(b for b in blocks(transcript) if b.speaker == AGENT)


def search(block: Block, language: str, section: str, key: str,
           extra: Iterable[str] = ()) -> tuple[Match, ...]:
    """Lexicon phrases of `section.key` found in a block, best first."""
    return find_any(block.tokens, phrases(language, section, key, tuple(extra)),
                    language=language)


def found(block: Block, language: str, section: str, key: str,
          extra: Iterable[str] = ()) -> Match | None:
    matches = search(block, language, section, key, extra)
    return matches[0] if matches else None


def block_evidence(transcript: Transcript, block: Block, label: str) -> Evidence:
    return _sentence_or_turns(transcript, block, quote(transcript, block.indices, label))


def match_evidence(transcript: Transcript, block: Block, match: Match, label: str) -> Evidence:
    """Evidence quoting only the turns of `block` in which `match` lies (or, for a
    sentence, the sentence)."""
    if block.sentence:
        return block_evidence(transcript, block, label)
    owners = block.token_turn[match.start:match.end] or block.indices[:1]
    return quote(transcript, tuple(dict.fromkeys(owners)), label)


def _sentence_or_turns(transcript: Transcript, block: Block, turns: Evidence) -> Evidence:
    # A trainee reads the sentence they said, not the whole turn around it; the times stay
    # those of its turn(s), which is where to listen.
    if not block.sentence or not block.text.strip():
        return turns
    return replace(turns, text=block.text.strip())


def quote(transcript: Transcript, indices: Sequence[int], label: str) -> Evidence:
    """Evidence spanning turns `indices` (a single turn keeps its own index)."""
    if len(indices) == 1:
        return Evidence.of_turn(transcript, indices[0], label)
    turns = [transcript.turns[i] for i in indices]
    return Evidence(start=min(t.start for t in turns), end=max(t.end for t in turns),
                    speaker=turns[0].speaker, text=" ".join(t.text.strip() for t in turns),
                    label=label, turn_index=indices[0])


def dedupe(evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    """Evidence in time order, one per (turns, label)."""
    seen: dict[tuple, Evidence] = {}
    for ev in evidence:
        seen.setdefault((ev.start, ev.end, ev.speaker, ev.label), ev)
    return tuple(sorted(seen.values(), key=lambda e: (e.start, e.end)))


def part(block: Block, start: int, end: int | None = None) -> Block:
    """Tokens [start:end) of a block as a block of their own.

    Its text is the folded tokens: a slice of folded tokens has no exact counterpart in the
    original text, and evidence quotes whole turns anyway (via `token_turn`).
    """
    toks = block.tokens[start:end]
    owners = block.token_turn[start:end]
    return Block(speaker=block.speaker, indices=tuple(dict.fromkeys(owners)) or block.indices[:1],
                 tokens=toks, token_turn=owners, text=" ".join(toks),
                 start=block.start, end=block.end)


@lru_cache(maxsize=8)
def _lead_ins(language: str) -> tuple[tuple[str, ...], ...]:
    return tuple(t for p in phrases(language, "question", "lead_ins") if (t := tokens(p)))


def find_all(block: Block, language: str, section: str, key: str) -> tuple[Match, ...]:
    """Every occurrence of the phrases of `section.key` in a block, in order (`search` gives
    the best match of each phrase only)."""
    found: list[Match] = []
    offset = 0
    while offset < len(block.tokens):
        matches = find_any(block.tokens[offset:], phrases(language, section, key),
                           language=language)
        if not matches:
            break
        first = min(matches, key=lambda m: (m.start, -m.end))
        found.append(Match(first.phrase, first.start + offset, first.end + offset, first.score))
        offset += first.end
    return tuple(found)


def question_spans(unit: Block, language: str) -> tuple[tuple[int, int], ...]:
    """Token spans [start, end) of the clauses of a sentence that ask something, each from
    its question opener on.

    A sentence punctuated as a statement does not ask.  With a question mark, the sentence
    asks from its first opener ("quel", "which", "kunt u") to its end, or as a whole when it
    has none ("Vous travaillez de chez vous ?"); what comes before the opener is a statement
    the ASR ran into the question ("vous avez besoin d'un plafond plus élevé quelles sont
    votre nom ?").  Without one (unpunctuated ASR, transcribed
    speech), an opener asks only at the start of the sentence or right after a lead-in word
    ("okay and which account …", "happy to help and what is your address"), and each such
    opener starts a clause of its own: mid-sentence "what" or "how" ("that's what I need")
    does not ask.
    """
    if _STATEMENT_END.search(unit.text):
        return ()                       # punctuated as a statement: trust the punctuation
    openers = find_all(unit, language, "question", "openers")
    if "?" in unit.text:
        return ((openers[0].start if openers else 0, len(unit.tokens)),)
    leads = _lead_ins(language)
    starts = [m.start for m in openers
              if not m.start or any(unit.tokens[:m.start][-len(lead):] == lead for lead in leads)]
    return tuple(zip(starts, starts[1:] + [len(unit.tokens)]))


# A statement run into a question must be this long to say anything on its own.
_MIN_STATEMENT_WORDS = 4
_ENDED = re.compile(r"[.?!;…]\s*$")


def statements(transcript: Transcript, block: Block, language: str) -> tuple[Block, ...]:
    """The block's sentences as statements: when the ASR ran a statement into a question
    ("vous avez besoin d'un plafond plus élevé pendant ce voyage quelles sont votre nom ?",
    "so your connection drops every evening what is your account number"), the statement
    before the question is kept and the question dropped.  A sentence that asks from its
    start ("vous voulez dire que … ?") stays whole: the caller decides what a question is
    worth."""
    found = []
    for unit in sentences(transcript, block):
        if _ENDED.search(unit.text):
            spans = question_spans(unit, language)
            cut = spans[0][0] if spans else 0
        else:
            # Unpunctuated speech: any question opener may start the next clause.
            openers = find_all(unit, language, "question", "openers")
            cut = openers[0].start if openers else 0
        found.append(part(unit, 0, cut) if cut >= _MIN_STATEMENT_WORDS else unit)
    return tuple(found)


def reply_to(transcript: Transcript, evidence: Evidence, label: str) -> tuple[Evidence, ...]:
    """The agent's first block after `evidence`, as evidence of how they answered it."""
    for block in agent_blocks(transcript):
        if block.start >= evidence.end - 0.05 and block.indices[0] != evidence.turn_index:
            return (block_evidence(transcript, block, label),)
    return ()


def is_only(block: Block, language: str, section: str, key: str,
            extra: Iterable[str] = ()) -> bool:
    """The block says nothing but phrases of `section.key` (e.g. only backchannels)."""
    covered = [False] * len(block.tokens)
    for match in search(block, language, section, key, extra):
        covered[match.start:match.end] = [True] * (match.end - match.start)
    return bool(block.tokens) and all(covered)


def overlapping(match: Match, others: Iterable[Match]) -> bool:
    """`match` shares a token with one of `others` (e.g. "je comprends" inside
    "je comprends mais")."""
    return any(o.start < match.end and match.start < o.end for o in others)


def whole_call(transcript: Transcript, text: str, label: str = "whole call checked"
               ) -> Evidence:
    """Evidence for a verdict drawn from the absence of something over the whole call."""
    start = min((t.start for t in transcript.turns), default=0.0)
    end = max([t.end for t in transcript.turns] + [transcript.duration_s])
    return Evidence(start=start, end=end, speaker="", text=text, label=label)


@dataclass(frozen=True)
class Graded:
    """Notes of a behaviour done fully (met), half (partial), missed where it was needed
    (not met) or neither (not applicable) — the shape of transfer and callback."""

    met: str
    partial: str
    not_met: str
    not_applicable: str
    no_reply: str          # label of the agent's answer quoted when the behaviour was missed


def graded(transcript: Transcript, notes: Graded, *, full: list[Evidence],
           half: list[Evidence], needed: list[Evidence], facts: dict) -> Detection:
    """The verdict of a graded behaviour, with the evidence behind it."""
    if full:
        return Detection("met", dedupe(full + needed), facts, notes.met)
    if half:
        return Detection("partial", dedupe(half + needed), facts, notes.partial)
    if needed:
        replies = reply_to(transcript, needed[0], notes.no_reply)
        return Detection("not_met", dedupe(needed + list(replies)), facts, notes.not_met)
    return Detection("not_applicable", (), facts, notes.not_applicable)
