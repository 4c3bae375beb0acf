import numpy as np
import pytest

from conftest import SR, burst, timeline
from pipeline.activity import Region, detect_activity
from pipeline.diarize import (LabelledWord, SpeakerSegment, assign_words, build_turns,
                              mono_segments)
from pipeline.transcript import Word


def _w(text, start, end):
    return Word(text, start, end)


def test_build_turns_splits_on_speaker_change_and_keeps_overlap():
    words = [LabelledWord("A", _w("bonjour", 0.0, 0.4)), LabelledWord("A", _w("madame", 0.5, 0.9)),
             LabelledWord("B", _w("oui", 1.5, 1.7)),
             LabelledWord("A", _w("je", 2.5, 2.6)), LabelledWord("A", _w("vérifie", 2.7, 3.5)),
             LabelledWord("B", _w("merci", 3.0, 3.4))]  # overlaps A's turn
    turns = build_turns(words)
    assert [(t.speaker, t.text) for t in turns] == [
        ("A", "bonjour madame"), ("B", "oui"), ("A", "je vérifie"), ("B", "merci")]
    assert turns[2].end > turns[3].start  # overlap preserved


def test_build_turns_splits_a_speaker_on_a_long_pause():
    words = [LabelledWord("A", _w("un", 0, 0.3)), LabelledWord("A", _w("deux", 3.0, 3.3))]
    assert len(build_turns(words)) == 2


def test_assign_words_by_largest_overlap():
    segments = (SpeakerSegment(0.0, 1.0, "spk0"), SpeakerSegment(1.0, 2.0, "spk1"),
                SpeakerSegment(3.0, 4.0, "spk0"))
    words = (_w("a", 0.1, 0.5), _w("b", 0.9, 1.6), _w("c", 2.4, 2.6), _w("d", 3.2, 3.4))
    labels = [lw.speaker for lw in assign_words(words, segments)]
    assert labels == ["spk0", "spk1", "spk1", "spk0"]  # c: nearest segment


def test_mono_segments_separate_two_voices():
    a = [burst(1.8, seed=i, tilt=-0.9) for i in range(4)]
    b = [burst(1.6, seed=10 + i, tilt=1.5) for i in range(4)]
    parts, t = [], 0.3
    for x, y in zip(a, b):
        parts += [(t, x), (t + 2.4, y)]
        t += 5.0
    signal = timeline(parts, t + 0.5)
    (act,) = detect_activity((signal,), SR)
    segments = mono_segments(signal, SR, act.regions)
    speakers = {s.speaker for s in segments}
    assert speakers == {"spk0", "spk1"}
    # Each burst's middle is labelled with its voice: all a-bursts alike, all b-bursts alike.
    def label_at(t):
        return next(s.speaker for s in segments if s.start <= t <= s.end)
    first = {label_at(st + 0.9) for st, _ in parts[::2]}
    second = {label_at(st + 0.8) for st, _ in parts[1::2]}
    assert len(first) == 1 and len(second) == 1 and first != second


def test_mono_segments_one_voice_is_one_speaker():
    parts = [(0.3 + 2.5 * i, burst(1.8, seed=i)) for i in range(6)]
    signal = timeline(parts, 16.0)
    (act,) = detect_activity((signal,), SR)
    assert {s.speaker for s in mono_segments(signal, SR, act.regions)} == {"spk0"}
