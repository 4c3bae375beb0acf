"""Audio decoding: the only module that reads audio files.

PyAV (FFmpeg, shipped inside the `av` wheel) decodes every container and codec a call
recorder produces — WAV (PCM 16/24/32-bit, float, A-law, µ-law), FLAC, MP3, OGG, M4A — at any
sample rate.  Everything downstream gets float32 samples per channel at 16 kHz, the rate
Whisper and Silero VAD expect.

Decoding streams: frames are resampled as they come.  A call up to `SPOOL_AFTER_S` long is
kept in memory; a longer recording (a whole shift, a 3-hour conference) is spooled to
temporary files, one per channel, and the later stages read it a slice at a time, so memory
does not grow with the length of the recording.  Both kinds of channel are `Samples`.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np

from pipeline.errors import AudioError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac",
                            ".wma", ".webm", ".mp4"})
# Longer recordings go to temporary files: 10 min of stereo float32 at 16 kHz is 77 MB, about
# what the later stages of a call held anyway; beyond it memory would grow with the length.
SPOOL_AFTER_S = 600.0


class Samples(Protocol):
    """One channel's float32 samples: `len()` and slicing (`samples[a:b]` -> np.ndarray).

    A numpy array is one; so are a long recording's `Spool` and a lazy `Mix`.
    """

    def __len__(self) -> int: ...

    def __getitem__(self, index: slice) -> np.ndarray: ...


@dataclass(frozen=True)
class Spool:
    """One channel of a long recording, float32 in an unlinked temporary file: the file
    disappears with the last reference, even if the process is killed."""

    file: BinaryIO
    length: int

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: slice) -> np.ndarray:
        if not isinstance(index, slice):
            raise TypeError("a Spool is read by slices: samples[a:b]")
        start, stop, step = index.indices(self.length)
        if step != 1:
            raise TypeError("a Spool is read by contiguous slices")
        out = np.empty(max(0, stop - start), dtype=np.float32)
        # pread, not seek + read: no shared file position, so readers cannot disturb each other.
        view, offset = memoryview(out).cast("B"), start * 4
        while view:
            got = os.preadv(self.file.fileno(), [view], offset)
            if got <= 0:
                raise AudioError("the temporary copy of a long recording was truncated; "
                                 "check the free space of the temporary folder (TMPDIR)")
            view, offset = view[got:], offset + got
        return out


@dataclass(frozen=True)
class Mix:
    """The mean of several channels, computed a slice at a time (the level stays that of one
    speaker, as in `Audio.mono`)."""

    channels: tuple[Samples, ...]

    def __len__(self) -> int:
        return min(len(c) for c in self.channels)

    def __getitem__(self, index: slice) -> np.ndarray:
        return np.mean(np.stack([c[index] for c in self.channels]), axis=0)


def mix(channels: tuple[Samples, ...]) -> Samples:
    """The channels mixed down, lazily: nothing is read until a slice is asked for."""
    return channels[0] if len(channels) == 1 else Mix(tuple(channels))


@dataclass(frozen=True)
class Audio:
    """Decoded audio: one float32 channel (`Samples`) per channel, all at `sample_rate`."""

    channels: tuple[Samples, ...]
    sample_rate: int
    source_rate: int
    codec: str

    @property
    def duration(self) -> float:
        return len(self.channels[0]) / self.sample_rate

    @property
    def spooled(self) -> bool:
        """The samples are on disk (a long recording), not in memory."""
        return not isinstance(self.channels[0], np.ndarray)

    def mono(self) -> np.ndarray:
        """The channels mixed down, in memory (mean, so the level stays that of one speaker)."""
        if len(self.channels) == 1:
            return self.channels[0][:]
        return np.mean(np.stack([c[:] for c in self.channels]), axis=0).astype(np.float32)


def shown_name(path: Path) -> str:
    """The file name as messages and reports show it: bytes that are not UTF-8 (an old
    recorder, a Windows share) become U+FFFD instead of unprintable surrogates."""
    return os.fsencode(path.name).decode("utf-8", "replace")


def decode(path: Path, *, sample_rate: int = SAMPLE_RATE,
           spool_after_s: float = SPOOL_AFTER_S) -> Audio:
    """Decode `path` to float32 per channel at `sample_rate`.

    Mono and stereo keep their channels (stereo call recorders put the agent on one and the
    customer on the other).  Any other count is mixed down to mono with every channel weighted
    equally: a recorder with a line per channel must have each line heard, where FFmpeg's
    surround down-mix would drop the LFE channel and attenuate the rear ones.  Recordings
    longer than `spool_after_s` are spooled to temporary files.  Raises AudioError when the
    file cannot be decoded or holds no samples.
    """
    import av  # lazy: keep `import pipeline` cheap

    name = shown_name(path)
    try:
        if path.stat().st_size == 0:
            raise AudioError(f"{name}: the file is empty (0 bytes); re-export the recording")
        container = av.open(str(path))
    except FileNotFoundError as exc:
        raise AudioError(f"{name}: file not found (moved or deleted?); check the path") from exc
    except PermissionError as exc:
        raise AudioError(f"{name}: permission denied; make the file readable") from exc
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise AudioError(f"{name}: not a readable audio file ({_reason(exc)}); "
                         "convert it to WAV, FLAC or MP3") from exc
    with container:
        if not container.streams.audio:
            raise AudioError(f"{name}: no audio stream in this file; "
                             "pass an audio recording (WAV, FLAC, MP3, OGG, M4A)")
        stream = container.streams.audio[0]
        n_in = stream.codec_context.channels or 1
        if n_in > 2:
            log.warning("%s: %d channels, mixed down to mono with equal weights", name, n_in)
        # None keeps the input's channels; they are averaged here, not by FFmpeg (see above).
        layout = "stereo" if n_in == 2 else ("mono" if n_in == 1 else None)
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=sample_rate)
        sink = _Sink(name, spool_after_s=spool_after_s, sample_rate=sample_rate,
                     mixdown=n_in > 2)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    sink.add(out.to_ndarray())
            for out in resampler.resample(None):
                sink.add(out.to_ndarray())
        except av.error.FFmpegError as exc:
            if not sink.length:
                raise AudioError(f"{name}: audio data is corrupt ({_reason(exc)}); "
                                 "re-export the recording") from exc
            # A damaged tail is common on recorders that were cut off: keep what decoded.
            log.warning("%s: decoding stopped early (%s); using the first part", name,
                        _reason(exc))
        codec = stream.codec_context.name
        source_rate = stream.codec_context.sample_rate or sample_rate
    if not sink.length:
        raise AudioError(f"{name}: the file holds no audio samples; "
                         "check the recording is not empty")
    if sink.length < sample_rate // 10:
        raise AudioError(f"{name}: audio is shorter than 0.1 s; nothing to score")
    return Audio(channels=sink.channels(), sample_rate=sample_rate,
                 source_rate=int(source_rate), codec=codec)


class _Sink:
    """Where decoded blocks go: a list in memory, then temporary files past `spool_after`."""

    def __init__(self, name: str, *, spool_after_s: float, sample_rate: int,
                 mixdown: bool) -> None:
        self.name = name
        self.spool_after_s = spool_after_s
        self.spool_after = int(spool_after_s * sample_rate)
        self.mixdown = mixdown
        self.length = 0
        self.blocks: list[np.ndarray] = []
        self.files: list[BinaryIO] = []

    def add(self, block: np.ndarray) -> None:
        block = block.astype(np.float32, copy=False)
        if self.mixdown:
            block = np.mean(block, axis=0, keepdims=True, dtype=np.float32)
        if not np.isfinite(block).all():
            block = np.nan_to_num(block)
        self.length += block.shape[1]
        if self.files:
            self._write(block)
            return
        self.blocks.append(block)
        if self.length > self.spool_after:
            self._spill()

    def channels(self) -> tuple[Samples, ...]:
        if self.files:
            for f in self.files:
                f.flush()
            return tuple(Spool(f, self.length) for f in self.files)
        samples = np.concatenate(self.blocks, axis=1)
        return tuple(np.ascontiguousarray(c) for c in samples)

    def _spill(self) -> None:
        log.info("%s: longer than %.0f min, spooled to temporary files", self.name,
                 self.spool_after_s / 60)
        try:
            self.files = [tempfile.TemporaryFile(prefix="callqa-") for _ in self.blocks[0]]
        except OSError as exc:
            raise self._no_room(exc) from exc
        for block in self.blocks:
            self._write(block)
        self.blocks = []

    def _write(self, block: np.ndarray) -> None:
        try:
            for f, channel in zip(self.files, block):
                f.write(np.ascontiguousarray(channel).tobytes())
        except OSError as exc:
            raise self._no_room(exc) from exc

    def _no_room(self, exc: OSError) -> AudioError:
        return AudioError(f"{self.name}: cannot spool this long recording to the temporary "
                          f"folder ({_reason(exc)}); free space there or point TMPDIR elsewhere")


def _reason(exc: Exception) -> str:
    """A short cause without the file path (reports must not leak the operator's paths)."""
    strerror = getattr(exc, "strerror", None)
    if strerror:
        return str(strerror)[:120]
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
