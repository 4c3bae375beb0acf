"""Voice activity: where each channel holds speech, and the silence gaps between them.

Two detectors, united.  Silero VAD (the ONNX model inside faster-whisper) is good on noisy
mixes but, measured on 8 kHz telephone channels, can miss a whole synthetic or band-limited
voice (peak speech probability 0.40 on an mbrola agent), so it never decides alone: an
energy detector whose threshold adapts to each recording's own noise floor and speech level
catches what Silero drops, and Silero catches quiet speech under the energy threshold.  On
stereo, a frame far below the other channel is cross-talk (the other party leaking), not a
turn.

Samples are read a block of `BLOCK_FRAMES` frames at a time (a long recording is spooled on
disk, see `audio`); only the per-frame levels and probabilities are kept, a few bytes a frame.
The blocks are Silero's own batches, its state carried across them, so the result is the same
as over the whole channel at once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d

from pipeline.audio import Samples
from pipeline.transcript import Gap, Overlap, Span

FRAME_S = 0.032  # Silero's window at 16 kHz (512 samples); energy frames use the same grid
_WINDOW = 512    # samples per Silero window
_CONTEXT = 64    # samples of the previous window Silero sees with each window
# faster-whisper's batch (encoder_batch_size): its state passes from batch to batch, so blocks
# of exactly this many windows reproduce a whole-channel call (5.3 min at 16 kHz).
BLOCK_FRAMES = 10_000


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
    # Seconds of `speech` that Silero also hears as a voice.  Nearly all of a call's speech,
    # nearly none of music or tones, which the energy detector takes for speech.
    voice_s: float = 0.0


def detect_activity(channels: tuple[Samples, ...], sample_rate: int,
                    *, options: ActivityOptions = ActivityOptions()) -> tuple[ChannelActivity, ...]:
    """Speech regions for each channel (float32 samples at `sample_rate`, 16 kHz)."""
    hop = int(round(FRAME_S * sample_rate))
    measured = [_measure(c, hop) for c in channels]
    n = min(len(level) for level, _ in measured)
    levels = [level[:n] for level, _ in measured]
    result = []
    for i, (level, (_, probs)) in enumerate(zip(levels, measured)):
        # Silero is level-blind: it hears a leak 40 dB down as speech, so its frames must also
        # stand above the channel's own noise floor.
        audible = level > np.percentile(level, 10) + options.audible_db
        silero = (probs[:n] >= options.silero_threshold) & audible
        speech = _energy_speech(level, options) | silero
        if len(channels) == 2:
            # Leakage pauses when its source pauses, so compare with the other channel's
            # recent peak, not its level in this very frame.
            other = maximum_filter1d(levels[1 - i], size=options.crosstalk_window)
            speech &= level >= other - options.crosstalk_db
        speech = _clean(speech, options)
        result.append(ChannelActivity(regions=_regions(speech), speech=speech,
                                      voice_s=round(np.count_nonzero(speech & silero) * FRAME_S,
                                                    3)))
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


def _measure(samples: Samples, hop: int) -> tuple[np.ndarray, np.ndarray]:
    """Per frame of one channel: level (dB) and Silero's speech probability, a block at a time."""
    # A block is a whole number of energy frames and of Silero windows.
    block = BLOCK_FRAMES * int(np.lcm(hop, _WINDOW))
    total = len(samples)
    levels, probs = [], []
    silero = _SileroStream(_silero_model())
    for start in range(0, max(total, 1), block):
        chunk = samples[start:start + block]
        levels.append(_frame_db(chunk, hop))
        probs.append(silero.feed(chunk, last=start + block >= total))
    level = np.concatenate(levels)
    out = np.zeros(len(level), dtype=np.float32)
    prob = np.concatenate(probs)[:len(level)]
    out[:len(prob)] = prob
    return level, out


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


class _SileroStream:
    """Silero over a channel fed block by block, equal to one `model(whole channel)` call.

    faster-whisper's `SileroVADModel.__call__` (1.2.1) gives each window the last 64 samples of
    the window before as context (zeros for the first), carries the recurrent state `h`, `c`
    from batch to batch, and zeroes the tail of the last window (its `context[-1] = 0` writes
    through a view).  Done here with the state and the context kept between blocks;
    tests/test_bad_inputs.py pins the equality (faster-whisper is pinned for it too).
    """

    def __init__(self, model) -> None:
        self.session = model.session
        self.h = np.zeros((1, 1, 128), dtype=np.float32)
        self.c = np.zeros((1, 1, 128), dtype=np.float32)
        self.context = np.zeros(_CONTEXT, dtype=np.float32)

    def feed(self, samples: np.ndarray, *, last: bool) -> np.ndarray:
        if len(samples) == 0:
            return np.zeros(0, dtype=np.float32)
        padded = np.pad(samples, (0, (-len(samples)) % _WINDOW)).astype(np.float32)
        windows = padded.reshape(-1, _WINDOW)
        if last:
            windows[-1, -_CONTEXT:] = 0.0
        context = np.concatenate([self.context[None, :], windows[:-1, -_CONTEXT:]])
        self.context = windows[-1, -_CONTEXT:].copy()
        batch = np.concatenate([context, windows], axis=1)
        probs = []
        for i in range(0, len(batch), BLOCK_FRAMES):
            out, self.h, self.c = self.session.run(
                None, {"input": batch[i:i + BLOCK_FRAMES], "h": self.h, "c": self.c})
            probs.append(np.asarray(out, dtype=np.float32).reshape(-1))
        return np.concatenate(probs)


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
