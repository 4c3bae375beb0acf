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


def _voiced(seconds, *, f0, seed, level=0.3):
    """A vowel-like voice: harmonics of `f0` under a fixed envelope, with a little vibrato,
    a 4 Hz syllable rhythm and breath noise.  Two of these differing only in pitch are two
    speakers of one gender as MFCCs see them."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    pitch = f0 * (1 + 0.02 * np.sin(2 * np.pi * 3 * t))
    phase = 2 * np.pi * np.cumsum(pitch) / SR
    x = sum(np.sin(h * phase) / h for h in range(1, 30) if h * f0 < 3400)
    x = x + 0.05 * rng.normal(size=len(t))
    envelope = 0.3 + 0.7 * np.sin(2 * np.pi * 2 * t) ** 2
    return (x / np.abs(x).max() * envelope * level).astype(np.float32)


def _label_at(segments, t):
    return next((s.speaker for s in segments if s.start <= t <= s.end), None)


def test_two_voices_that_differ_in_pitch_only_are_two_speakers():
    parts, t = [], 0.3
    for i in range(4):
        parts += [(t, _voiced(2.0, f0=110, seed=i)), (t + 2.6, _voiced(1.8, f0=190, seed=10 + i))]
        t += 5.2
    signal = timeline(parts, t + 0.5)
    (act,) = detect_activity((signal,), SR)
    segments = mono_segments(signal, SR, act.regions)
    low = {_label_at(segments, start + 1.0) for start, _ in parts[::2]}
    high = {_label_at(segments, start + 0.9) for start, _ in parts[1::2]}
    assert len(low) == 1 and len(high) == 1 and low != high


def test_short_backchannel_between_turns_gets_its_own_speaker():
    # A 0.4 s "oui" from the low voice between two long turns of the high voice.
    parts = [(0.3, _voiced(3.0, f0=110, seed=1)), (3.8, _voiced(3.0, f0=200, seed=2)),
             (7.3, _voiced(0.4, f0=110, seed=3)), (8.2, _voiced(3.0, f0=200, seed=4)),
             (11.7, _voiced(3.0, f0=110, seed=5))]
    signal = timeline(parts, 15.5)
    (act,) = detect_activity((signal,), SR)
    segments = mono_segments(signal, SR, act.regions)
    assert _label_at(segments, 7.5) == _label_at(segments, 1.5) != _label_at(segments, 5.0)


def test_forced_three_speakers_after_an_announced_transfer():
    voices = [(110, 0), (200, 10), (150, 20)]
    # Agent (110 Hz) and customer (200 Hz) alternate, then a colleague (150 Hz) takes over.
    order = [0, 1, 0, 1, 2, 1, 2, 1]
    parts, t = [], 0.3
    for n, who in enumerate(order):
        f0, seed = voices[who]
        parts.append((t, _voiced(2.2, f0=f0, seed=seed + n)))
        t += 2.8
    signal = timeline(parts, t + 0.5)
    (act,) = detect_activity((signal,), SR)
    segments = mono_segments(signal, SR, act.regions, speakers=3)
    labels = [_label_at(segments, start + 1.1) for start, _ in parts]
    by_voice = {}
    for who, label in zip(order, labels):
        by_voice.setdefault(who, set()).add(label)
    assert all(len(v) == 1 for v in by_voice.values())
    assert len({next(iter(v)) for v in by_voice.values()}) == 3


def test_transfer_announcements():
    from pipeline.diarize import transfer_at

    def words(text):
        return tuple(_w(x, i, i + 0.5) for i, x in enumerate(text.split()))

    said = words("Merci. Je vous transfère à un collègue. Ne quittez pas.")
    assert transfer_at(said, "fr") is said[6]   # "collègue," ends the sentence
    assert transfer_at(words("Je vous transfert un collègue."), "fr") is not None  # ASR spelling
    assert transfer_at(words("I'm transferring you to our returns team."), "en") is not None
    assert transfer_at(words("Ik verbind u door met een collega."), "nl") is not None
    assert transfer_at(words("Ne quittez pas, je vérifie votre dossier."), "fr") is None


def test_the_colleague_does_not_speak_before_the_hand_over():
    from pipeline.diarize import hand_over

    segments = (SpeakerSegment(0.0, 3.0, "spk0"), SpeakerSegment(3.5, 5.0, "spk1"),
                SpeakerSegment(5.5, 6.0, "spk2"),      # the agent's "merci", misheard as spk2
                SpeakerSegment(6.5, 9.0, "spk0"),      # "je vous transfère ..." ends at 9.0
                SpeakerSegment(10.0, 14.0, "spk2"), SpeakerSegment(14.5, 15.0, "spk1"))
    handed = hand_over(segments, at=_w("transfère", 8.5, 9.0), agent="spk0")
    assert [s.speaker for s in handed] == ["spk0", "spk1", "spk0", "spk0", "spk2", "spk1"]


def test_channel_words_splits_a_channel_with_two_voices():
    from pipeline.diarize import channel_words

    words = ((_w("bonjour", 0.0, 0.5), _w("collègue", 10.0, 10.5)), (_w("oui", 1.0, 1.3),))
    voices = {0: (SpeakerSegment(0.0, 5.0, "spk0"), SpeakerSegment(9.0, 12.0, "spk1"))}
    labelled = channel_words(words, voices=voices)
    assert [(lw.speaker, lw.channel) for lw in labelled] == [("ch0", 0), ("ch0.1", 0), ("ch1", 1)]


def test_viterbi_needs_sustained_evidence_to_change_speaker():
    from pipeline.diarize import _viterbi

    scores = np.zeros((2, 100))
    scores[0] = 1.0
    scores[1, 40:43] = 5.0      # a blip: 3 frames x 4 better = 12 < penalty
    scores[1, 70:] = 3.0        # a real change: 30 frames x 2 better
    path = _viterbi(scores, penalty=20.0)
    assert (path[:70] == 0).all() and (path[72:] == 1).all()


def test_a_colleague_joining_after_a_transfer_is_not_heard_before_it():
    # Agent (110 Hz) and customer (200 Hz) until 11.5 s; then the colleague (140 Hz) and the
    # customer.  The colleague's voice lies between the two others.
    plan = [(110, 0), (200, 1), (110, 2), (200, 3), (140, 4), (200, 5), (140, 6), (200, 7)]
    parts, t = [], 0.3
    for f0, seed in plan:
        parts.append((t, _voiced(2.2, f0=f0, seed=seed)))
        t += 2.8
    signal = timeline(parts, t + 0.5)
    (act,) = detect_activity((signal,), SR)
    joins = parts[4][0] - 0.3
    segments = mono_segments(signal, SR, act.regions, speakers=3, joins_at=joins)
    labels = [_label_at(segments, start + 1.1) for start, _ in parts]
    assert labels[0] == labels[2] and labels[1] == labels[3] == labels[5] == labels[7]
    assert labels[4] == labels[6] and len(set(labels)) == 3
    newcomer = labels[4]
    assert all(s.start >= joins - 0.05 for s in segments if s.speaker == newcomer)


def test_numpy_clustering_pieces():
    from pipeline.diarize import _Gmm, _silhouettes, _ward

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 0.3, (40, 4)), rng.normal(3, 0.3, (30, 4))])
    labels = _ward(x, 2)
    assert len(set(labels[:40])) == 1 and len(set(labels[40:])) == 1 and labels[0] != labels[-1]
    assert _silhouettes(x, labels).min() > 0.6
    assert abs(_silhouettes(x, np.zeros(70, dtype=int))).max() == 0.0
    model = _Gmm.fit(x[:40], 4)
    assert model.score(x[:40]).mean() > model.score(x[40:]).mean() + 20
