"""Word timing from ASR output, with a stand-in for Whisper (no model needed)."""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline import asr
from pipeline.activity import Region

SR = 16_000


@dataclass
class _W:
    word: str
    start: float
    end: float
    probability: float = 0.9


@dataclass
class _Seg:
    words: list
    start: float = 0.0
    text: str = ""
    compression_ratio: float = 1.2
    no_speech_prob: float = 0.01
    avg_logprob: float = -0.2


@dataclass
class _FakeWhisper:
    """Answers each transcribe call with the next list of words (times in the concatenation)."""

    answers: list
    calls: list = field(default_factory=list)

    def transcribe(self, audio, **kwargs):
        self.calls.append(len(audio) / SR)
        words = self.answers.pop(0) if self.answers else []
        return [_Seg(words=words)], None


def _run(monkeypatch, regions, answers):
    fake = _FakeWhisper(list(answers))
    monkeypatch.setattr(asr, "load_model", lambda *a, **k: fake)
    samples = np.zeros(int(20 * SR), dtype=np.float32)
    options = asr.AsrOptions(model_dir=Path("unused"))
    return asr.transcribe(samples, SR, regions, language="fr", options=options), fake


def test_a_word_split_across_two_regions_does_not_swallow_the_pause(monkeypatch):
    # Regions 1.0–3.0 and 8.0–10.0; with 0.4 s padding the second starts at 2.8 s of the
    # concatenation.  Whisper put "C" in the first region's padding and "'est" in the second.
    regions = (Region(1.0, 3.0), Region(8.0, 10.0))
    words, _ = _run(monkeypatch, regions, [[
        _W(" Bonjour", 0.5, 1.0), _W(" C", 2.70, 2.75), _W("'est", 3.2, 3.4),
        _W(" possible", 3.4, 3.9)]])
    cest = next(w for w in words if w.text == "C'est")
    assert cest.start >= 7.9 and cest.end - cest.start < 1.0


def test_a_wordless_speech_region_is_decoded_again(monkeypatch):
    regions = (Region(1.0, 3.0), Region(8.0, 13.0))
    first = [_W(" Merci", 3.0, 4.5), _W(" beaucoup", 4.5, 7.9)]       # only the 2nd region
    again = [_W(" Bonjour", 0.5, 1.0), _W(" madame", 1.0, 1.5), _W(" Durand", 1.5, 2.4)]
    words, fake = _run(monkeypatch, regions, [first, again])
    assert len(fake.calls) == 2 and fake.calls[1] < fake.calls[0]   # 2nd pass: region 1 only
    assert [w.text for w in words] == ["Bonjour", "madame", "Durand", "Merci", "beaucoup"]
    assert all(1.0 - 0.11 <= w.start and w.end <= 3.11 for w in words[:3])


def test_turn_edges_follow_voice_activity_not_whisper(monkeypatch):
    # Whisper's starts run ~0.1 s early and its last word ends a little early; voice
    # activity knows the edges to a frame.  Words far from an edge are left alone.
    regions = (Region(1.0, 3.0), Region(8.0, 13.0))
    words, _ = _run(monkeypatch, regions, [[
        _W(" Bonjour", 0.3, 0.9), _W(" madame", 0.9, 2.2),        # region 1: 0.6 s in
        _W(" oui", 3.0, 3.5), _W(" merci", 3.6, 4.0), _W(" bien", 6.0, 6.3)]])
    by_text = {w.text: w for w in words}
    assert by_text["Bonjour"].start == 1.0 and by_text["madame"].end == 3.0   # was 2.8
    assert by_text["oui"].start == 8.0 and by_text["bien"].end == 11.1  # 1.9 s short: kept


def test_a_loop_drops_its_repeats_not_the_words_said_before_it():
    # Whisper's compression ratio is its whole window's: a loop closing the window gives every
    # segment of it the same high ratio.  Only the repeated line is a hallucination.
    high = 2.64
    real = _Seg(words=[], text=" Ma box ne fonctionne plus depuis hier.", compression_ratio=high)
    loop = _Seg(words=[], text=" Et moi, je m'en remets à eux.", compression_ratio=high)
    said: set[str] = set()
    kept = []
    for segment in (real, loop, loop, loop):
        if not asr._hallucinated(segment, said):
            kept.append(segment.text)
            said.add(asr._normalised(segment.text))
    assert kept == [real.text, loop.text]


def test_a_line_that_repeats_itself_is_a_hallucination():
    looping = _Seg(words=[], text=" merci " * 30)
    assert asr._hallucinated(looping, set())
    noise = _Seg(words=[], text=" Hmm.", no_speech_prob=0.9, avg_logprob=-1.5)
    assert asr._hallucinated(noise, set())
