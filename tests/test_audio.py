from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf

from pipeline.audio import decode
from pipeline.errors import AudioError

SR_IN = 8000


def _tone(seconds=1.0, channels=1):
    t = np.arange(int(seconds * SR_IN)) / SR_IN
    left = 0.5 * np.sin(2 * np.pi * 440 * t)
    right = 0.25 * np.sin(2 * np.pi * 880 * t)
    return np.stack([left, right], axis=1)[:, :channels].astype(np.float32)


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "PCM_32", "FLOAT", "ALAW", "ULAW"])
def test_wav_subtypes_decode_to_16k_float(tmp_path: Path, subtype: str):
    path = tmp_path / f"call_{subtype}.wav"
    sf.write(path, _tone(channels=2), SR_IN, subtype=subtype)
    audio = decode(path)
    assert audio.sample_rate == 16_000 and audio.source_rate == SR_IN
    assert len(audio.channels) == 2
    assert audio.duration == pytest.approx(1.0, abs=0.02)
    assert all(c.dtype == np.float32 for c in audio.channels)
    # Left channel is the louder tone: channels must not be swapped or mixed.
    assert np.abs(audio.channels[0]).max() == pytest.approx(0.5, abs=0.05)
    assert np.abs(audio.channels[1]).max() == pytest.approx(0.25, abs=0.05)


@pytest.mark.parametrize("suffix,fmt", [(".flac", "FLAC"), (".ogg", "OGG")])
def test_lossless_and_ogg(tmp_path: Path, suffix: str, fmt: str):
    path = tmp_path / f"call{suffix}"
    sf.write(path, _tone(channels=1), SR_IN, format=fmt)
    audio = decode(path)
    assert len(audio.channels) == 1 and audio.duration == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("suffix,codec", [(".mp3", "mp3"), (".m4a", "aac")])
def test_compressed_formats(tmp_path: Path, suffix: str, codec: str):
    path = tmp_path / f"call{suffix}"
    rate = 16000 if codec == "aac" else SR_IN
    t = np.arange(rate) / rate
    samples = (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    audio = decode(path)
    assert len(audio.channels) == 1
    assert audio.duration == pytest.approx(1.0, abs=0.15)
    assert np.abs(audio.channels[0]).max() > 0.1


def test_mono_mix_keeps_level(tmp_path: Path):
    path = tmp_path / "stereo.wav"
    sf.write(path, _tone(channels=2), SR_IN)
    mixed = decode(path).mono()
    assert mixed.ndim == 1 and np.abs(mixed).max() < 0.5


@pytest.mark.parametrize("content,expected", [
    (b"", "empty"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "not a readable audio file"),
    (b"hello, I am a text file\n" * 10, "not a readable audio file"),
])
def test_bad_files_raise_audio_error(tmp_path: Path, content: bytes, expected: str):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError, match=expected) as info:
        decode(path)
    assert str(tmp_path) not in str(info.value)  # no operator paths in messages


def test_zero_length_audio(tmp_path: Path):
    path = tmp_path / "zero.wav"
    sf.write(path, np.zeros((0, 1), dtype=np.float32), SR_IN)
    with pytest.raises(AudioError, match="no audio samples|shorter"):
        decode(path)


def test_missing_file(tmp_path: Path):
    with pytest.raises(AudioError, match="not found"):
        decode(tmp_path / "nope.wav")


def test_96k_is_resampled_to_16k(tmp_path: Path):
    rate = 96_000
    t = np.arange(2 * rate) / rate
    path = tmp_path / "studio.flac"
    sf.write(path, (0.4 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32), rate, subtype="PCM_24")
    audio = decode(path)
    assert audio.source_rate == rate and audio.sample_rate == 16_000
    assert len(audio.channels[0]) == pytest.approx(32_000, abs=40)
    assert np.abs(audio.channels[0][1000:-1000]).max() == pytest.approx(0.4, abs=0.02)


def test_six_channels_are_mixed_with_equal_weights(tmp_path: Path):
    # A tone on the 4th channel only (the LFE of a 5.1 layout, which FFmpeg's own down-mix
    # drops: such a line was "silence" before) is heard, at a sixth of its level.
    t = np.arange(SR_IN) / SR_IN
    samples = np.zeros((SR_IN, 6), dtype=np.float32)
    samples[:, 3] = 0.6 * np.sin(2 * np.pi * 300 * t)
    path = tmp_path / "six.wav"
    sf.write(path, samples, SR_IN)
    audio = decode(path)
    assert len(audio.channels) == 1
    assert np.abs(audio.channels[0]).max() == pytest.approx(0.1, abs=0.02)


def test_non_utf8_file_names_are_shown_printable(tmp_path: Path):
    import os

    path = tmp_path / os.fsdecode(b"bo\xeete vocale.wav")
    path.write_bytes(b"not audio\n" * 20)
    with pytest.raises(AudioError) as info:
        decode(path)
    assert str(info.value).startswith("bo\ufffdte vocale.wav: not a readable audio file")
