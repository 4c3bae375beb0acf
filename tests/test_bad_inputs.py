"""Bad inputs in a batch: each one a one-line reason in the failure list, the rest scored.

Every file is built here (numpy + soundfile) into tmp_path.  No Whisper: each bad recording is
refused before speech recognition, and the one good call is a transcript.  The two inputs that
must get through speech recognition (96 kHz speech, 6-channel speech) are marked slow.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from conftest import CALL_JSON, burst, timeline
from pipeline import batch
from pipeline.analysis import AnalysisOptions, analyse
from pipeline.audio import decode, shown_name
from pipeline.cli import app
from pipeline.errors import AudioError, TranscriptError
from pipeline.rubric import load_rubric
from pipeline.transcript import load_transcript

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_calls" / "audio" / "fr_it_helpdesk.mp3"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

CALL = CALL_JSON


def _noise_floor(seconds: float, rate: int, *, channels: int = 1, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(scale=0.001, size=(int(seconds * rate), channels)).astype(np.float32)


def _music(seconds: float, rate: int = 16_000, *, seed: int = 1) -> np.ndarray:
    """Hold music: phrases of plucked notes over a chord pad, with pauses (no voice)."""
    rng = np.random.default_rng(seed)
    out = rng.normal(scale=0.001, size=int(seconds * rate))
    notes = (261.6, 293.7, 329.6, 349.2, 392.0, 440.0, 493.9, 523.3)
    t = 0.5
    while t < seconds - 3:
        for _ in range(8):
            duration = 0.25 + 0.25 * rng.integers(2)
            s = np.arange(int(duration * rate)) / rate
            envelope = np.minimum(1.0, s / 0.01) * np.exp(-2 * s)
            note = notes[rng.integers(len(notes))]
            a = int(t * rate)
            out[a:a + len(s)] += 0.25 * envelope * sum(np.sin(2 * np.pi * note * h * s) / h
                                                       for h in (1, 2, 3, 4))
            pad = sum(np.sin(2 * np.pi * f * s) for f in (130.8, 164.8, 196.0))
            out[a:a + len(s)] += 0.05 * pad
            t += duration
        t += 1.5
    return out.astype(np.float32)


def _weird(name: bytes) -> str:
    """A file name with bytes that are not UTF-8 (as an old recorder or a Windows share writes)."""
    return os.fsdecode(name)


# file name -> a pattern its reason must match (None: it must be scored)
EXPECTED = {
    "good call.json": None,
    "empty.wav": "empty",
    "truncated header.wav": "not a readable audio file",
    "notes.wav": "not a readable audio file",
    _weird(b"bo\xeete vocale.wav"): "not a readable audio file",
    "zero samples.wav": "no audio samples",
    "silence.wav": "no speech found",
    "music.wav": "music or tones",
    "six channels silent.wav": "no speech found",
    "silence 96k.flac": "no speech found",
    "broken.json": "not valid JSON",
    "wrong shape.json": "expected",
    "binary.json": "UTF-8",
    "vanished.wav": "not found|no such file",
}
if not IS_ROOT:  # root reads a chmod 000 file anyway: see test_unreadable_file_as_a_plain_user
    EXPECTED["locked.wav"] = "permission denied"


def _build(folder: Path) -> None:
    folder.mkdir()
    good = json.dumps(CALL)
    (folder / "good call.json").write_text(good, encoding="utf-8")
    (folder / "empty.wav").write_bytes(b"")
    (folder / "truncated header.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    (folder / "notes.wav").write_text("Call with Mr Dupont, Tuesday.\n" * 20, encoding="utf-8")
    (folder / _weird(b"bo\xeete vocale.wav")).write_bytes(b"not audio\n" * 50)
    sf.write(folder / "zero samples.wav", np.zeros((0, 1), dtype=np.float32), 8000)
    sf.write(folder / "silence.wav", _noise_floor(20, 8000), 8000, subtype="ALAW")
    sf.write(folder / "music.wav", _music(30), 16_000)
    sf.write(folder / "six channels silent.wav", _noise_floor(10, 8000, channels=6), 8000)
    sf.write(folder / "silence 96k.flac", _noise_floor(10, 96_000), 96_000, subtype="PCM_24")
    (folder / "broken.json").write_text('{"turns": [{"speaker": "agent", ', encoding="utf-8")
    (folder / "wrong shape.json").write_text('{"speakers": ["agent"]}', encoding="utf-8")
    (folder / "binary.json").write_bytes(b"\xff\xfe\x00\x81 turns \x9c")
    sf.write(folder / "vanished.wav", _noise_floor(5, 8000), 8000)
    if not IS_ROOT:
        sf.write(folder / "locked.wav", _noise_floor(5, 8000), 8000)
        (folder / "locked.wav").chmod(0)


def _vanish_after_discovery(monkeypatch, victim: Path) -> None:
    """The file is listed, then deleted before it is scored (moved away by the recorder)."""
    discover = batch.discover

    def discover_then_delete(*args, **kwargs):
        found = discover(*args, **kwargs)
        victim.unlink()
        return found

    monkeypatch.setattr(batch, "discover", discover_then_delete)


def test_each_bad_input_is_one_reason_and_the_good_calls_are_scored(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    _build(folder)
    _vanish_after_discovery(monkeypatch, folder / "vanished.wav")
    out = tmp_path / "out"
    try:
        result = batch.run_batch([folder], out_dir=out, rubric=load_rubric("core"),
                                 options=AnalysisOptions(), formats=("json",))
    finally:
        if (folder / "locked.wav").exists():
            (folder / "locked.wav").chmod(0o644)  # so pytest can clean tmp_path
    scored = {s.source for s in result.scored}
    assert scored == {name for name, phrase in EXPECTED.items() if phrase is None}
    # Failures are listed under printable names: bytes that are not UTF-8 shown as "�".
    expected = {shown_name(Path(name)): phrase for name, phrase in EXPECTED.items()}
    failed = [f.source for f in result.failures]
    assert sorted(failed) == sorted(name for name, phrase in expected.items() if phrase)
    for failure in result.failures:
        reason = failure.reason
        assert re.search(expected[failure.source], reason, re.I), (failure.source, reason)
        assert "\n" not in reason and "Traceback" not in reason
        assert str(tmp_path) not in reason and "/tmp" not in reason
        assert "internal error" not in reason
        reason.encode("utf-8")  # printable: no undecodable bytes smuggled in as surrogates
    assert {p.name for p in out.glob("*.json")} == {"good call.json"}


def test_a_call_whose_name_is_not_utf8_is_scored_under_a_printable_name(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / _weird(b"r\xe9sum\xe9 appel.json")).write_text(json.dumps(CALL), encoding="utf-8")
    out = tmp_path / "out"
    result = batch.run_batch([folder], out_dir=out, rubric=load_rubric("core"),
                             options=AnalysisOptions(), formats=("json", "md"))
    assert not result.failures and len(result.scored) == 1
    report = json.loads((out / "r\ufffdsum\ufffd appel.json").read_text(encoding="utf-8"))
    assert report["source"] == "r\ufffdsum\ufffd appel.json"
    assert report["call_id"] == "r\ufffdsum\ufffd appel"


def test_the_cli_lists_bad_inputs_without_a_traceback(tmp_path):
    folder = tmp_path / "in"
    _build(folder)
    (folder / "vanished.wav").unlink()
    try:
        result = CliRunner().invoke(app, ["score", str(folder), "--out", str(tmp_path / "out")])
    finally:
        if (folder / "locked.wav").exists():
            (folder / "locked.wav").chmod(0o644)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    failed = [line for line in result.output.splitlines() if line.startswith("FAILED")]
    assert len(failed) == len([p for p in EXPECTED.values() if p]) - 1   # less the vanished
    assert not any(str(tmp_path) in line for line in failed)
    assert "FAILED music.wav" in result.output and "music or tones" in result.output
    assert "1 scored" in result.output


def test_unreadable_file_as_a_plain_user():
    """chmod 000 only bites an unprivileged user, so as root the check runs as `nobody`."""
    folder = Path(tempfile.mkdtemp(prefix="callqa-perm-"))
    try:
        folder.chmod(0o755)
        sf.write(folder / "locked.wav", _noise_floor(1, 8000), 8000)
        (folder / "locked.json").write_text(json.dumps(CALL), encoding="utf-8")
        for p in folder.iterdir():
            p.chmod(0)
        script = (
            "import sys\nfrom pathlib import Path\n"
            "from pipeline.audio import decode\nfrom pipeline.transcript import load_transcript\n"
            "for load, name in ((decode, 'locked.wav'), (load_transcript, 'locked.json')):\n"
            "    try:\n        load(Path(sys.argv[1]) / name)\n"
            "    except Exception as exc:\n        print(type(exc).__name__, exc)\n")
        command = [sys.executable, "-c", script, str(folder)]
        if IS_ROOT:
            if not shutil.which("setpriv"):
                pytest.skip("running as root and no setpriv to become an unprivileged user")
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        lines = done.stdout.strip().splitlines()
        assert len(lines) == 2, done.stdout + done.stderr
        assert lines[0].startswith("AudioError locked.wav: permission denied")
        assert lines[1].startswith("TranscriptError locked.json: permission denied")
        assert all(str(folder) not in line for line in lines)
    finally:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()


def test_a_transcript_that_disappears_says_so_without_its_path(tmp_path):
    with pytest.raises(TranscriptError, match="not found") as info:
        load_transcript(tmp_path / "gone.json")
    assert str(tmp_path) not in str(info.value)


def test_music_only_is_refused_before_speech_recognition(tmp_path, monkeypatch):
    # A coach expects no report for a recording of hold music: there is no agent to assess.
    path = tmp_path / "hold.wav"
    sf.write(path, _music(60), 16_000)

    def no_whisper(*args, **kwargs):
        raise AssertionError("speech recognition must not run on music")

    monkeypatch.setattr("pipeline.asr.load_model", no_whisper)
    with pytest.raises(AudioError, match="music or tones"):
        analyse(path, rubric=load_rubric("core"), options=AnalysisOptions(language="fr"))


# -------------------------------------------------------------------------------------------
# With real speech recognition

def _speech(rate: int) -> np.ndarray:
    sample = decode(SAMPLE, sample_rate=rate)
    return np.asarray(sample.channels[0][:], dtype=np.float32)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["96k", "6ch"])
def test_speech_at_96k_or_on_six_channels_is_scored(tmp_path, kind):
    if kind == "96k":
        path = tmp_path / "call 96k.wav"
        sf.write(path, _speech(96_000), 96_000, subtype="PCM_24")
    else:
        speech = _speech(8000)
        six = np.zeros((len(speech), 6), dtype=np.float32)
        six[:, 2] = speech                                  # the call on one line of six
        six[:, 5] = np.random.default_rng(0).normal(scale=0.001, size=len(speech))
        path = tmp_path / "call 6ch.wav"
        sf.write(path, six, 8000)
    report = analyse(path, rubric=load_rubric("core"), options=AnalysisOptions())
    assert report.transcript.language == "fr" and report.transcript.channels == 1
    assert report.duration_s == pytest.approx(34.5, abs=0.3)
    text = " ".join(t.text for t in report.transcript.turns).lower()
    assert "vpn" in text
    statuses = {c.id: c.status for c in report.scorecard.criteria}
    assert statuses["greeting"] == "met"


# -------------------------------------------------------------------------------------------
# Long recordings: spooled to disk, read a block or a pass at a time (bench/long_file.py
# measures a real 3-hour file); each stage must give what it gives on the same audio in memory.

def _two_voices() -> np.ndarray:
    """20 s of two alternating speech-like voices at 16 kHz (see conftest.burst)."""
    parts, t = [], 0.3
    for i in range(4):
        parts += [(t, burst(1.8, seed=i, tilt=-0.9)), (t + 2.4, burst(1.6, seed=10 + i, tilt=1.5))]
        t += 5.0
    return timeline(parts, t + 0.5)


def test_a_long_recording_is_spooled_and_read_the_same(tmp_path):
    from pipeline.analysis import _distinct_channels
    from pipeline.audio import Spool, mix

    left = _two_voices()
    stereo = np.stack([left, 0.5 * left[::-1]], axis=1)
    path = tmp_path / "long.wav"
    sf.write(path, stereo, 16_000, subtype="FLOAT")
    held, spooled = decode(path), decode(path, spool_after_s=2.0)
    assert not held.spooled and spooled.spooled
    assert all(isinstance(c, Spool) for c in spooled.channels)
    assert spooled.duration == held.duration
    for a, b in zip(held.channels, spooled.channels):
        assert len(a) == len(b)
        assert np.array_equal(a[:], b[:]) and np.array_equal(a[1000:9000], b[1000:9000])
        assert b[len(b) - 5:len(b) + 100].shape == (5,)
    assert np.array_equal(held.mono(), spooled.mono())
    mixed = mix(spooled.channels)
    assert np.array_equal(mixed[100:50_000], np.mean(np.stack(held.channels), axis=0)[100:50_000])
    sf.write(path, np.stack([left, left], axis=1), 16_000, subtype="FLOAT")
    assert len(_distinct_channels(decode(path, spool_after_s=2.0).channels)) == 1


def test_voice_activity_on_a_spooled_channel_is_that_in_memory(tmp_path):
    from pipeline.activity import detect_activity

    path = tmp_path / "call.wav"
    signal = _two_voices()
    sf.write(path, np.stack([signal, signal[::-1]], axis=1), 16_000, subtype="FLOAT")
    held = detect_activity(decode(path).channels, 16_000)
    spooled = detect_activity(decode(path, spool_after_s=1.0).channels, 16_000)
    assert [a.regions for a in held] == [a.regions for a in spooled]
    assert [a.voice_s for a in held] == [a.voice_s for a in spooled]


def test_silero_in_blocks_equals_one_call_over_the_whole_channel():
    from pipeline.activity import BLOCK_FRAMES, _measure, _silero_model

    # Past one block (10 000 windows), ending mid-window: state, context and the zeroed tail
    # of the last window must all carry over as in faster-whisper's own call.
    signal = np.tile(_two_voices(), 17)[:BLOCK_FRAMES * 512 + 77_777]
    _, probs = _measure(signal, 512)
    padded = np.pad(signal, (0, (-len(signal)) % 512))
    whole = np.asarray(_silero_model()(padded), dtype=np.float32).reshape(-1)
    assert np.array_equal(probs, whole[:len(probs)])


def test_a_long_channel_is_transcribed_in_bounded_passes(monkeypatch):
    from pipeline import asr
    from pipeline.activity import Region

    class Whisper:
        """Hears nothing; notes how much audio each pass gave it."""

        def __init__(self):
            self.lengths = []

        def transcribe(self, audio, **kwargs):
            self.lengths.append(len(audio) / 16_000)
            return [], None

    fake = Whisper()
    monkeypatch.setattr(asr, "load_model", lambda *a, **k: fake)
    options = asr.AsrOptions(model_dir=Path("unused"), max_pass_s=60.0)
    # 40 phrases of 5 s, one a minute, and one 150 s stretch (noise taken for speech).
    regions = tuple(Region(60.0 * i + 10, 60.0 * i + 15) for i in range(40)) + \
        (Region(2500.0, 2650.0),)
    samples = np.zeros(2700 * 16_000, dtype=np.float32)
    asr.transcribe(samples, 16_000, regions, language="fr", options=options)
    assert max(fake.lengths) <= 60.0 + 2 * options.pad_s
    assert sum(fake.lengths) == pytest.approx(40 * 5 + 150, abs=40 * 2 * options.pad_s + 2)
    groups = asr._passes(regions, 60.0, options.pad_s)
    assert [r for g in groups for r in g][:40] == list(regions[:40])   # phrases kept whole
    assert asr._passes(regions[:3], 600.0, 0.4) == [regions[:3]]       # a call: one pass


def test_a_spooled_mono_channel_is_diarised_on_its_speech_alone(tmp_path):
    from pipeline.activity import detect_activity
    from pipeline.analysis import _mono_segments

    signal = _two_voices()
    quiet = np.random.default_rng(5).normal(scale=0.001, size=90 * 16_000).astype(np.float32)
    # The same dialogue after a minute and a half of line noise: times must come back.
    long = np.concatenate([signal[:len(signal) // 2], quiet, signal[len(signal) // 2:]])
    path = tmp_path / "long.wav"
    sf.write(path, long, 16_000, subtype="FLOAT")
    held, spooled = decode(path), decode(path, spool_after_s=5.0)
    (act,) = detect_activity(held.channels, 16_000)
    expected = _mono_segments(held.channels[0], 16_000, act.regions)
    found = _mono_segments(spooled.channels[0], 16_000, act.regions)
    assert len({s.speaker for s in found}) == 2
    assert len(found) == len(expected)
    for a, b in zip(expected, found):
        assert a.speaker == b.speaker
        assert a.start == pytest.approx(b.start, abs=0.05)
        assert a.end == pytest.approx(b.end, abs=0.05)
