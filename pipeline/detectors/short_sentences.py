"""short_sentences — the agent speaks in short sentences.

"Utilise des phrases courtes" (co 01671).  Measured as the mean length, in words, of the
agent's sentences.  Sentences are cut at sentence punctuation when the text has it (Whisper
and people punctuate, and then a turn boundary inside a sentence is only a pause); text
without any punctuation is cut at turn boundaries, the only clue left.  Hesitations ("euh",
"um") are not words.

Met: mean at most `max_mean_words`; partial: at most `partial_mean_words`; not met: longer.
Not applicable: fewer than `min_sentences` agent sentences (too little to judge).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.detectors._common import agent_blocks, block_evidence, join, sentences
from pipeline.evidence import Detection, Evidence
from pipeline.text import strip_tags
from pipeline.transcript import Transcript

# Hesitations are sounds, not words of a sentence.
_HESITATIONS = frozenset("euh heu hum hmm mm mmm uh um uhm er erm eh ehm".split())
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_PUNCTUATED = re.compile(r"[.?!;]")


@dataclass(frozen=True)
class Params:
    max_mean_words: float = 15.0
    partial_mean_words: float = 20.0
    long_sentence_words: int = 25     # sentences this long are quoted as examples
    min_sentences: int = 3


@dataclass(frozen=True)
class Sentence:
    indices: tuple[int, ...]
    text: str
    words: int


def agent_sentences(transcript: Transcript) -> tuple[Sentence, ...]:
    """The agent's sentences with their word counts."""
    found: list[Sentence] = []
    for block in agent_blocks(transcript):
        if _PUNCTUATED.search(block.text):
            units = [(u.indices, u.text) for u in sentences(transcript, block)]
        else:
            units = [((i,), transcript.turns[i].text) for i in block.indices]
        for indices, text in units:
            words = sum(1 for w in _WORD.findall(strip_tags(text))
                        if w.lower() not in _HESITATIONS)
            if words:
                found.append(Sentence(indices, text.strip(), words))
    return tuple(found)


def detect(transcript: Transcript, params: Params = Params()) -> Detection:
    """Compare the agent's mean sentence length with the rubric's thresholds."""
    said = agent_sentences(transcript)
    if len(said) < params.min_sentences:
        return Detection("not_applicable", (), {"sentences": len(said)},
                         f"only {len(said)} agent sentence(s): too little to judge")
    mean = sum(s.words for s in said) / len(said)
    longest = sorted(said, key=lambda s: -s.words)
    facts = {"sentences": len(said), "mean_words": round(mean, 1),
             "longest_words": longest[0].words,
             "long_sentences": sum(s.words >= params.long_sentence_words for s in said)}
    if mean <= params.max_mean_words:
        status = "met"
        shown = longest[:1]
    else:
        status = "partial" if mean <= params.partial_mean_words else "not_met"
        shown = [s for s in longest if s.words >= params.long_sentence_words][:3] or longest[:2]
    evidence = tuple(_quote(transcript, s) for s in shown)
    return Detection(status, evidence, facts,
                     f"agent sentences average {mean:.1f} words ({len(said)} sentences)")


def _quote(transcript: Transcript, sentence: Sentence) -> Evidence:
    ev = block_evidence(transcript, join(transcript, sentence.indices),
                        f"sentence of {sentence.words} words")
    # Quote the sentence itself, not the whole turns it spans.
    return Evidence(start=ev.start, end=ev.end, speaker=ev.speaker, text=sentence.text,
                    label=ev.label, turn_index=ev.turn_index)
