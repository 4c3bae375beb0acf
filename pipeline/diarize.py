"""Who speaks when: speaker labels for the words, then turns.

Stereo recordings put one party on each channel, so the channel is the speaker.  Mono mixes
get a real diarisation: voice-active regions cut into short windows, one speaker embedding per
window from MFCC statistics (librosa), agglomerative clustering whose number of speakers
(1–3) is chosen by silhouette score, and each word given to the speaker whose windows overlap
it most (a bisect over sorted windows, not a quadratic scan).
"""

from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass

import numpy as np

from pipeline.activity import Region
from pipeline.transcript import Turn, Word

log = logging.getLogger(__name__)

FRAMES_PER_S = 100


@dataclass(frozen=True)
class SpeakerSegment:
    start: float
    end: float
    speaker: str


@dataclass(frozen=True)
class DiarisationOptions:
    window_s: float = 1.0          # embedding window inside long regions
    max_speakers: int = 3
    min_silhouette: float = 0.12   # below this, one speaker explains the audio as well as two
    extra_speaker_gain: float = 0.05  # a third speaker must beat two by this much
    resegment_iterations: int = 2
    smooth_frames: int = 31        # 0.31 s: shorter than a backchannel, longer than a phoneme


@dataclass(frozen=True)
class LabelledWord:
    speaker: str
    word: Word
    channel: int | None = None


def channel_words(words_per_channel: tuple[tuple[Word, ...], ...]) -> list[LabelledWord]:
    """Stereo: the channel is the speaker."""
    return [LabelledWord(f"ch{c}", w, c) for c, words in enumerate(words_per_channel)
            for w in words]


def mono_segments(samples: np.ndarray, sample_rate: int, regions: tuple[Region, ...],
                  *, options: DiarisationOptions = DiarisationOptions()) -> tuple[SpeakerSegment, ...]:
    """Speaker-labelled segments covering the voice-active regions of a mono recording."""
    windows = _windows(regions, options.window_s)
    if not windows:
        return ()
    mfcc = _mfcc(samples, sample_rate)
    labels = _cluster(_embeddings(mfcc, windows), options)
    if len(set(labels.tolist())) == 1:
        return tuple(SpeakerSegment(r.start, r.end, "spk0") for r in regions)
    return _resegment(mfcc, regions, windows, labels, options)


def assign_words(words: tuple[Word, ...], segments: tuple[SpeakerSegment, ...]) -> list[LabelledWord]:
    """Give each word to the speaker whose segments overlap it most (nearest if none does)."""
    if not segments:
        return [LabelledWord("spk0", w) for w in words]
    starts = [s.start for s in segments]
    out = []
    for w in words:
        lo = max(0, bisect.bisect_right(starts, w.start) - 1)
        hi = bisect.bisect_left(starts, w.end)
        overlap: dict[str, float] = {}
        for seg in segments[lo:hi + 1]:
            shared = min(seg.end, w.end) - max(seg.start, w.start)
            if shared > 0:
                overlap[seg.speaker] = overlap.get(seg.speaker, 0.0) + shared
        if overlap:
            speaker = max(overlap, key=overlap.get)
        else:
            near = min(segments[max(0, lo - 1):hi + 2],
                       key=lambda s: min(abs(s.start - w.end), abs(w.start - s.end)))
            speaker = near.speaker
        out.append(LabelledWord(speaker, w))
    return out


def build_turns(words: list[LabelledWord], *, max_pause_s: float = 1.5) -> tuple[Turn, ...]:
    """Group each speaker's words into turns.

    A speaker's turn ends at a pause longer than `max_pause_s` or when another speaker says
    a whole word inside the pause.  Turns of different speakers may overlap (both talk at
    once): that is kept, not merged away.
    """
    by_speaker: dict[str, list[LabelledWord]] = {}
    for lw in sorted(words, key=lambda lw: lw.word.start):
        by_speaker.setdefault(lw.speaker, []).append(lw)
    spans = sorted((lw.word.start, lw.word.end, lw.speaker) for lw in words)
    span_starts = [s[0] for s in spans]
    turns: list[Turn] = []
    for speaker, items in by_speaker.items():
        current: list[LabelledWord] = [items[0]]
        for lw in items[1:]:
            pause_start, pause_end = current[-1].word.end, lw.word.start
            if (pause_end - pause_start > max_pause_s
                    or _other_speaks(spans, span_starts, speaker, pause_start, pause_end)):
                turns.append(_turn(speaker, current))
                current = [lw]
            else:
                current.append(lw)
        turns.append(_turn(speaker, current))
    return tuple(sorted(turns, key=lambda t: (t.start, t.end)))


def _other_speaks(spans, span_starts, speaker: str, start: float, end: float) -> bool:
    i = bisect.bisect_left(span_starts, start)
    while i < len(spans) and spans[i][0] < end:
        if spans[i][2] != speaker and spans[i][1] <= end + 0.05:
            return True
        i += 1
    return False


def _turn(speaker: str, items: list[LabelledWord]) -> Turn:
    words = tuple(lw.word for lw in items)
    text = " ".join(w.text for w in words)
    return Turn(speaker=speaker, start=words[0].start, end=words[-1].end, text=text,
                words=words, channel=items[0].channel)


def _windows(regions: tuple[Region, ...], window_s: float) -> list[Region]:
    out = []
    for r in regions:
        n = max(1, int(round(r.duration / window_s)))
        step = r.duration / n
        out.extend(Region(r.start + i * step, r.start + (i + 1) * step) for i in range(n))
    return out


def _mfcc(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """MFCC frames every 10 ms, (frames, coefficients)."""
    import librosa

    # Telephone band only (300–3400 Hz) so 8 kHz and wide-band recordings embed alike.
    mfcc = librosa.feature.mfcc(y=samples, sr=sample_rate, n_mfcc=20, n_fft=512,
                                hop_length=sample_rate // FRAMES_PER_S, n_mels=40, fmin=300,
                                fmax=3400)
    return mfcc[1:].T  # c0 is loudness, which says more about the line than the speaker


def _frames(r: Region) -> slice:
    a = int(r.start * FRAMES_PER_S)
    return slice(a, max(int(r.end * FRAMES_PER_S), a + 2))


def _embeddings(mfcc: np.ndarray, windows: list[Region]) -> np.ndarray:
    rows = []
    for w in windows:
        block = mfcc[_frames(w)]
        rows.append(np.concatenate([block.mean(axis=0), block.std(axis=0)]))
    feats = np.asarray(rows)
    std = feats.std(axis=0)
    return (feats - feats.mean(axis=0)) / np.where(std > 1e-9, std, 1.0)


def _resegment(mfcc: np.ndarray, regions: tuple[Region, ...], windows: list[Region],
               labels: np.ndarray, options: DiarisationOptions) -> tuple[SpeakerSegment, ...]:
    """Refine window labels frame by frame: one GMM per speaker, smoothed log-likelihoods.

    Windows are a second long, so a turn change inside one (or a short "oui" sharing a
    window with the other voice) gets the wrong label; per-frame likelihoods under each
    speaker's model put the boundary where the voice actually changes.
    """
    from scipy.ndimage import uniform_filter1d
    from sklearn.mixture import GaussianMixture

    speech = np.concatenate([np.arange(len(mfcc))[_frames(r)] for r in regions])
    speech = speech[speech < len(mfcc)]
    mean, std = mfcc[speech].mean(axis=0), mfcc[speech].std(axis=0) + 1e-9
    feats = (mfcc - mean) / std
    speakers = sorted(set(labels.tolist()))
    frame_label = np.full(len(mfcc), -1)
    for w, label in zip(windows, labels):
        frame_label[_frames(w)] = label
    for _ in range(options.resegment_iterations):
        scores = np.full((len(speakers), len(mfcc)), -np.inf)
        for k in speakers:
            train = feats[frame_label == k]
            if len(train) < 20:
                continue
            gmm = GaussianMixture(n_components=min(8, len(train) // 10), covariance_type="diag",
                                  random_state=0, reg_covar=1e-3).fit(train)
            # Smoothed within each region only: a pause is where turns change, so the
            # likelihoods on either side of it must not blur into each other.
            for r in regions:
                frames = np.arange(len(mfcc))[_frames(r)]
                if len(frames):
                    scores[k, frames] = uniform_filter1d(gmm.score_samples(feats[frames]),
                                                         size=options.smooth_frames,
                                                         mode="nearest")
        best = np.argmax(scores[:, speech], axis=0)
        frame_label[:] = -1
        frame_label[speech] = np.asarray(speakers)[best]
    return tuple(_label_runs(frame_label, regions))


def _label_runs(frame_label: np.ndarray, regions: tuple[Region, ...]) -> list[SpeakerSegment]:
    out: list[SpeakerSegment] = []
    for r in regions:
        block = frame_label[_frames(r)]
        start = 0
        for i in range(1, len(block) + 1):
            if i == len(block) or block[i] != block[start]:
                out.append(SpeakerSegment(round(r.start + start / FRAMES_PER_S, 3),
                                          round(min(r.start + i / FRAMES_PER_S, r.end), 3),
                                          f"spk{block[start]}"))
                start = i
    return out


def _cluster(features: np.ndarray, options: DiarisationOptions) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import silhouette_score

    if len(features) < 4:
        return np.zeros(len(features), dtype=int)
    best_labels, best_score = np.zeros(len(features), dtype=int), options.min_silhouette
    for k in range(2, min(options.max_speakers, len(features) - 1) + 1):
        labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(features)
        score = silhouette_score(features, labels)
        margin = 0.0 if k == 2 else options.extra_speaker_gain
        log.debug("diarisation: k=%d silhouette=%.3f", k, score)
        if score > best_score + margin:
            best_labels, best_score = labels, score
    # Label speakers in order of first appearance: spk0 speaks first.
    order = {label: i for i, label in enumerate(dict.fromkeys(best_labels.tolist()))}
    return np.array([order[label] for label in best_labels])
