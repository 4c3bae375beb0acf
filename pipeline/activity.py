"""Voice activity: where each channel holds speech, and the silence gaps between them.

Two detectors, united.  Silero VAD (the ONNX model inside faster-whisper) is good on noisy
mixes but, measured on 8 kHz telephone channels, can miss a whole synthetic or band-limited
voice (peak speech probability 0.40 on an mbrola agent), so it never decides alone: an
energy detector whose threshold adapts to each recording's own noise floor and speech level
catches what Silero drops, and Silero catches quiet speech under the energy threshold.  On
stereo, a frame far below the other channel is cross-talk (the other party leaking), not a
turn.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d

from pipeline.transcript import Gap, Overlap, Span

FRAME_S = 0.032  # Silero's window at 16 kHz (512 samples); energy frames use the same grid


# A stretch of speech on one channel.
Region = Span


@dataclass(frozen=True)
class ActivityOptions:
    silero_threshold: float = 0.5
    # Energy threshold = floor + this share of the floor-to-speech distance (in dB).
    energy_share: float = 0.3
    min_dynamic_db: float = 9.0     # below this the channel has no speech distinguishable
    crosstalk_db: float = 15.0      # this far under the other channel = leakage
    crosstalk_window: int = 11      # frames (~350 ms) over which the other channel's peak is taken
    audible_db: float = 3.0         # Silero frames must be this far above the noise floor
    min_speech_s: float = 0.12
    bridge_s: float = 0.25          # join speech separated by less than this
    min_gap_s: float = 2.0


@dataclass(frozen=True)
class ChannelActivity:
    regions: tuple[Region, ...]
    speech: np.ndarray  # boolean per FRAME_S frame, kept for cross-channel work


def detect_activity(channels: tuple[np.ndarray, ...], sample_rate: int,
                    *, options: ActivityOptions = ActivityOptions()) -> tuple[ChannelActivity, ...]:
    """Speech regions for each channel (float32 samples at `sample_rate`, 16 kHz)."""
    hop = int(round(FRAME_S * sample_rate))
    levels = [_frame_db(c, hop) for c in channels]
    n = min(len(level) for level in levels)
    levels = [level[:n] for level in levels]
    result = []
    for i, (samples, level) in enumerate(zip(channels, levels)):
        # Silero is level-blind: it hears a leak 40 dB down as speech, so its frames must also
        # stand above the channel's own noise floor.
        audible = level > np.percentile(level, 10) + options.audible_db
        silero = (_silero_probs(samples, n) >= options.silero_threshold) & audible
        speech = _energy_speech(level, options) | silero
        if len(channels) == 2:
            # Leakage pauses when its source pauses, so compare with the other channel's
            # recent peak, not its level in this very frame.
            other = maximum_filter1d(levels[1 - i], size=options.crosstalk_window)
            speech &= level >= other - options.crosstalk_db
        speech = _clean(speech, options)
        result.append(ChannelActivity(regions=_regions(speech), speech=speech))
    return tuple(result)


def find_gaps(activity: tuple[ChannelActivity, ...], *, min_gap_s: float = 2.0) -> tuple[Gap, ...]:
    """Intervals of at least `min_gap_s` where no channel speaks, between first and last speech."""
    n = min(len(a.speech) for a in activity)
    anyone = np.zeros(n, dtype=bool)
    for a in activity:
        anyone |= a.speech[:n]
    spoken = _regions(anyone)
    gaps = []
    for before, after in zip(spoken, spoken[1:]):
        if after.start - before.end >= min_gap_s - 1e-6:
            gaps.append(Gap(round(before.end, 2), round(after.start, 2)))
    return tuple(gaps)


def find_overlaps(activity: tuple[ChannelActivity, ...], labels: tuple[str, ...], *,
                  min_s: float = 0.2, hold_s: float = 1.0) -> tuple[Overlap, ...]:
    """Stretches where two channels speak at once, each credited to the one who started it.

    `labels` names the speaker of each channel.  A speaker keeps the floor through pauses
    shorter than `hold_s` (between two sentences of one turn): starting in such a pause is
    starting over them, and their next sentence does not make them the interrupter.
    """
    if len(activity) != 2:
        return ()
    n = min(len(a.speech) for a in activity)
    held = [_hold(a.speech[:n], int(round(hold_s / FRAME_S))) for a in activity]
    starts = [_run_starts(h) for h in held]
    found: list[Overlap] = []
    for a, b in _runs(held[0] & held[1]):
        begun = [starts[c][a] for c in (0, 1)]
        if begun[0] == begun[1]:
            continue  # both began together: nobody interrupted
        by = int(begun[1] > begun[0])  # the one talked over had the floor first
        found.append(Overlap(round(a * FRAME_S, 3), round(b * FRAME_S, 3), by=labels[by],
                             over=labels[1 - by]))
    return tuple(o for o in found if o.duration >= min_s - 1e-6)


def _hold(speech: np.ndarray, frames: int) -> np.ndarray:
    """Speech with pauses shorter than `frames` filled: who holds the floor."""
    out = speech.copy()
    for start, end in _runs(~speech):
        if 0 < start and end < len(speech) and end - start < frames:
            out[start:end] = True
    return out


def _run_starts(mask: np.ndarray) -> np.ndarray:
    """For each frame, the index of the first frame of the run of equal values it belongs to."""
    change = np.concatenate(([True], mask[1:] != mask[:-1]))
    return np.maximum.accumulate(np.where(change, np.arange(len(mask)), 0))


def _frame_db(samples: np.ndarray, hop: int) -> np.ndarray:
    n = len(samples) // hop
    frames = samples[: n * hop].reshape(n, hop).astype(np.float64)
    rms = np.sqrt(np.mean(frames**2, axis=1) + 1e-12)
    return 20 * np.log10(rms + 1e-9)


def _energy_speech(level: np.ndarray, options: ActivityOptions) -> np.ndarray:
    # The floor is what the quietest tenth of the call sounds like, the speech level what the
    # loudest tenth does: thresholds follow the recording, not a fixed dBFS.
    floor = np.percentile(level, 10)
    loud = np.percentile(level, 95)
    if loud - floor < options.min_dynamic_db:
        return np.zeros(len(level), dtype=bool)
    threshold = floor + options.energy_share * (loud - floor)
    return level > threshold


def _silero_probs(samples: np.ndarray, n_frames: int) -> np.ndarray:
    model = _silero_model()
    window = 512
    padded = np.pad(samples, (0, (-len(samples)) % window)).astype(np.float32)
    probs = np.asarray(model(padded), dtype=np.float32).reshape(-1)
    out = np.zeros(n_frames, dtype=np.float32)
    out[: min(n_frames, len(probs))] = probs[:n_frames]
    return out


@functools.lru_cache(maxsize=1)
def _silero_model():
    from faster_whisper.vad import get_vad_model

    return get_vad_model()


def _clean(speech: np.ndarray, options: ActivityOptions) -> np.ndarray:
    """Bridge short pauses inside a phrase, then drop blips too short to be a word."""
    out = speech.copy()
    bridge = int(round(options.bridge_s / FRAME_S))
    for region in _runs(~out):
        start, end = region
        if 0 < start and end < len(out) and end - start <= bridge:
            out[start:end] = True
    shortest = int(round(options.min_speech_s / FRAME_S))
    for start, end in _runs(out):
        if end - start < shortest:
            out[start:end] = False
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) frame indices of the True runs of `mask`."""
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _regions(mask: np.ndarray) -> tuple[Region, ...]:
    return tuple(Region(round(s * FRAME_S, 3), round(e * FRAME_S, 3)) for s, e in _runs(mask))
