"""Helpers shared by the detectors: speaker blocks, phrase search in them, evidence quotes.

ASR and diarisation cut one utterance into several short turns, so detectors reason on
*blocks*: consecutive turns of one speaker joined, with each token remembering its turn so
evidence can quote exactly the turns where a phrase was found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from pipeline.evidence import Evidence
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
                 start=min(t.start for t in turns), end=max(t.end for t in turns))


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
    return quote(transcript, block.indices, label)


def match_evidence(transcript: Transcript, block: Block, match: Match, label: str) -> Evidence:
    """Evidence quoting only the turns of `block` in which `match` lies."""
    owners = block.token_turn[match.start:match.end] or block.indices[:1]
    return quote(transcript, tuple(dict.fromkeys(owners)), label)


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
