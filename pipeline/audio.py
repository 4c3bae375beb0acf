"""Audio decoding: the only module that reads audio files.

PyAV (FFmpeg, shipped inside the `av` wheel) decodes every container and codec a call
recorder produces — WAV (PCM 16/24/32-bit, float, A-law, µ-law), FLAC, MP3, OGG, M4A — at any
sample rate.  Everything downstream gets float32 samples per channel at 16 kHz, the rate
Whisper and Silero VAD expect.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import AudioError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac",
                            ".wma", ".webm", ".mp4"})


@dataclass(frozen=True)
class Audio:
    """Decoded audio: one float32 array per channel, all at `sample_rate`."""

    channels: tuple[np.ndarray, ...]
    sample_rate: int
    source_rate: int
    codec: str

    @property
    def duration(self) -> float:
        return len(self.channels[0]) / self.sample_rate

    def mono(self) -> np.ndarray:
        """The channels mixed down (mean, so the level stays that of one speaker)."""
        if len(self.channels) == 1:
            return self.channels[0]
        return np.mean(np.stack(self.channels), axis=0).astype(np.float32)


def decode(path: Path, *, sample_rate: int = SAMPLE_RATE) -> Audio:
    """Decode `path` to float32 per channel at `sample_rate`.

    Mono and stereo keep their channels; recordings with more channels are mixed down to mono
    because call recorders only use two (agent, customer).  Raises AudioError when the file
    cannot be decoded or holds no samples.
    """
    import av  # lazy: keep `import pipeline` cheap

    try:
        if path.stat().st_size == 0:
            raise AudioError(f"{path.name}: the file is empty (0 bytes); re-export the recording")
        container = av.open(str(path))
    except FileNotFoundError as exc:
        raise AudioError(f"{path.name}: file not found; check the path") from exc
    except PermissionError as exc:
        raise AudioError(f"{path.name}: permission denied; make the file readable") from exc
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise AudioError(f"{path.name}: not a readable audio file ({_reason(exc)}); "
                         "convert it to WAV, FLAC or MP3") from exc
    with container:
        if not container.streams.audio:
            raise AudioError(f"{path.name}: no audio stream in this file; "
                             "pass an audio recording (WAV, FLAC, MP3, OGG, M4A)")
        stream = container.streams.audio[0]
        n_in = stream.codec_context.channels or 1
        layout = "stereo" if n_in == 2 else "mono"
        if n_in > 2:
            log.warning("%s: %d channels, mixed down to mono", path.name, n_in)
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=sample_rate)
        blocks: list[np.ndarray] = []
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    blocks.append(out.to_ndarray())
            for out in resampler.resample(None):
                blocks.append(out.to_ndarray())
        except av.error.FFmpegError as exc:
            if not blocks:
                raise AudioError(f"{path.name}: audio data is corrupt ({_reason(exc)}); "
                                 "re-export the recording") from exc
            # A damaged tail is common on recorders that were cut off: keep what decoded.
            log.warning("%s: decoding stopped early (%s); using the first part", path.name,
                        _reason(exc))
        codec = stream.codec_context.name
        source_rate = stream.codec_context.sample_rate or sample_rate
    if not blocks:
        raise AudioError(f"{path.name}: the file holds no audio samples; "
                         "check the recording is not empty")
    samples = np.concatenate(blocks, axis=1).astype(np.float32, copy=False)
    if samples.shape[1] < sample_rate // 10:
        raise AudioError(f"{path.name}: audio is shorter than 0.1 s; nothing to score")
    if not np.isfinite(samples).all():
        samples = np.nan_to_num(samples, copy=False)
    return Audio(channels=tuple(np.ascontiguousarray(c) for c in samples),
                 sample_rate=sample_rate, source_rate=int(source_rate), codec=codec)


def _reason(exc: Exception) -> str:
    """A short cause without the file path (reports must not leak the operator's paths)."""
    strerror = getattr(exc, "strerror", None)
    if strerror:
        return str(strerror)[:120]
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
