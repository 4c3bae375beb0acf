"""Who speaks when: speaker labels for the words, then turns.

Stereo recordings put one party on each channel, so the channel is the speaker (a channel
that announces a transfer gets a two-voice diarisation of its own: the colleague speaks on the
agent's line).  Mono mixes get a real diarisation:

1. voice-active regions cut into 1 s windows, one embedding per window: MFCC statistics in the
   telephone band plus the median pitch (autocorrelation), which tells apart two voices of
   one gender that MFCCs alone confuse;
2. agglomerative clustering (Ward), the number of speakers (1–3) chosen by silhouette score,
   or fixed to 3 when the words announce a transfer (a colleague joins: a third voice);
3. re-segmentation frame by frame: one GMM and pitch model per speaker, Viterbi-decoded with
   a cost for changing speaker inside a region, so turn boundaries land where the voice
   changes (within a few hundred ms) and short backchannels keep their own speaker;
4. each word given to the speaker whose segments overlap it most (a bisect over sorted
   segments, not a quadratic scan), then words grouped into turns.

All in numpy (and scipy's hierarchical clustering): about 0.3 s for a one-minute call, a few
per cent of the transcription time, with no heavy import on the first call.
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
    # Weight of the median pitch in a window embedding, against 1 for each (z-scored) MFCC
    # statistic: two voices of one gender (or one synthetic voice at two pitches) differ more
    # in pitch than in spectral envelope, and pitch survives the telephone band.
    pitch_weight: float = 2.0
    pitch_scale: float = 0.1       # log-pitch per embedding unit (0.1 = 1.7 semitones)
    min_voiced_frames: int = 15    # steady voiced frames a window needs to vote on pitch
    resegment_iterations: int = 2
    min_window_silhouette: float = 0.05  # windows less clearly in their cluster do not train
    smooth_frames: int = 15        # 0.15 s: shorter than a backchannel, longer than a phoneme
    # Log-likelihood a change of speaker costs inside one voice-active region (Viterbi):
    # speakers change at pauses, so a change without one needs sustained evidence.
    switch_penalty: float = 40.0


@dataclass(frozen=True)
class LabelledWord:
    speaker: str
    word: Word
    channel: int | None = None


# Words of a hand-off.  A call that announces one goes on with a third voice, which the
# diarisation must then look for: acoustics alone do not tell a transfer from one voice that
# drifts over a call (measured: on each real Callytics call the agent's voice "changes" at
# about 20 s by as much as a rendered colleague's differs from the agent's).
_TRANSFER_PHRASES = {
    # Stems, matched at the start of a word: ASR spells "transfère" "transfert" or "transfer".
    "fr": ("je vous transf", "je transf", "vous transferer", "je vous mets en rel",
           "je vous met en rel", "relation avec un collegue", "relation avec une collegue",
           "relation avec le service", "je vous passe un collegue", "je vous passe une collegue",
           "je vous passe mon collegue", "je vous passe ma collegue", "je vous passe le service"),
    "en": ("transfer you", "transferring you", "transfer your call", "put you through",
           "putting you through", "connect you to", "connect you with", "pass you over",
           "passing you over", "pass you to"),
    "nl": ("ik verbind u door", "doorverbinden", "ik zet u door", "ik geef u door",
           "ik schakel u door"),
}


def transfer_at(words: tuple[Word, ...], language: str) -> Word | None:
    """The last word of the first sentence that hands the call over ("je vous transfère à un
    collègue."), if any."""
    from pipeline.text import fold

    text, ends = "", []
    for w in words:
        text += " " + fold(w.text)
        ends.append(len(text))
    hits = [text.find(f" {phrase}") for phrase in _TRANSFER_PHRASES.get(language, ())]
    hits = [(i, len(phrase)) for i, phrase in zip(hits, _TRANSFER_PHRASES.get(language, ()))
            if i >= 0]
    if not hits:
        return None
    start, length = min(hits)
    i = bisect.bisect_left(ends, start + 1 + length)
    # The hand-off happens when the announcing sentence ends ("... who will arrange the
    # replacement."), not at the phrase itself.
    while (i + 1 < len(words) and not words[i].text.endswith((".", "?", "!"))
           and words[i + 1].start - words[i].end < 0.7):
        i += 1
    return words[i]


def hand_over(segments: tuple[SpeakerSegment, ...], *, at: Word, agent: str
              ) -> tuple[SpeakerSegment, ...]:
    """Segments after a transfer: the colleague cannot have spoken before the hand-off.

    The colleague is the speaker who, agent aside, appears last; their segments that end
    before the agent finished announcing the transfer are the agent's (measured: two voices
    of one gender on one line, where the agent's "Thanks." went to the colleague).
    """
    first: dict[str, float] = {}
    for seg in segments:
        first.setdefault(seg.speaker, seg.start)
    others = [label for label in first if label != agent]
    if not others:
        return segments
    colleague = max(others, key=first.get)
    return tuple(SpeakerSegment(s.start, s.end, agent)
                 if s.speaker == colleague and s.end <= at.end + 0.1 else s for s in segments)


def channel_words(words_per_channel: tuple[tuple[Word, ...], ...], *,
                  voices: dict[int, tuple[SpeakerSegment, ...]] | None = None
                  ) -> list[LabelledWord]:
    """Stereo: the channel is the speaker.

    A channel given its own speaker segments in `voices` (a colleague joined that side after
    a transfer) gets one label per voice: "ch0" for the first, "ch0.1" for the next.
    """
    out = []
    for c, words in enumerate(words_per_channel):
        segments = (voices or {}).get(c)
        if not segments:
            out.extend(LabelledWord(f"ch{c}", w, c) for w in words)
            continue
        for lw in assign_words(words, segments):
            n = int(lw.speaker.removeprefix("spk") or 0)
            out.append(LabelledWord(f"ch{c}" if n == 0 else f"ch{c}.{n}", lw.word, c))
    return out


def mono_segments(samples: np.ndarray, sample_rate: int, regions: tuple[Region, ...],
                  *, options: DiarisationOptions = DiarisationOptions(),
                  speakers: int | None = None, joins_at: float | None = None
                  ) -> tuple[SpeakerSegment, ...]:
    """Speaker-labelled segments covering the voice-active regions of a mono recording.

    `speakers` fixes the number of speakers when something else knows it (a transfer was
    announced); otherwise the clustering decides between 1 and `options.max_speakers`.
    `joins_at` is when the last of them joins (the end of the transfer announcement): the
    others are told apart before it, and the newcomer is not looked for earlier.
    """
    windows = _windows(regions, options.window_s)
    if not windows:
        return ()
    frames = _features(samples, sample_rate, regions)
    embeddings = _embeddings(frames, windows, options)
    newcomer = None
    if speakers and speakers >= 2 and joins_at is not None:
        labels = _cluster_newcomer(embeddings, windows, joins_at, speakers, options)
        if labels is None:
            labels = _cluster(embeddings, options, speakers)
        else:
            newcomer = (speakers - 1, int(joins_at * FRAMES_PER_S))
    else:
        labels = _cluster(embeddings, options, speakers)
    speech = _speech_frames(regions, len(frames.mfcc))
    clustered = np.full(len(speech), -1)
    for w, label in zip(windows, labels):
        clustered[_frames(w)] = label
    frame_label = clustered
    if len(set(labels.tolist())) > 1:
        # The speaker models start from the windows that clearly belong to their cluster: a
        # window astride a turn change, or a phrase of one voice that sounds like the other,
        # would otherwise teach each model a little of the other voice.
        clear = _silhouettes(embeddings, labels) >= options.min_window_silhouette
        seed = np.full(len(speech), -1)
        for w, label, keep in zip(windows, labels, clear):
            if keep:
                seed[_frames(w)] = label
        frame_label = _resegment(frames, regions, speech, seed, options, newcomer)
        # Where the models could not be trained (a speaker with too few clear frames), the
        # clustering's own labels stand.
        unlabelled = speech & (frame_label < 0)
        frame_label[unlabelled] = clustered[unlabelled]
    return tuple(_label_runs(_first_come(frame_label), regions))


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


@dataclass(frozen=True)
class _Frames:
    """Per 10 ms frame: MFCCs (frames, 19) and log pitch (NaN where not voiced)."""

    mfcc: np.ndarray
    pitch: np.ndarray


def _features(samples: np.ndarray, sample_rate: int, regions: tuple[Region, ...]) -> _Frames:
    # Everything a speaker's voice tells survives the telephone band (300–3400 Hz), so the
    # features are taken at 8 kHz: the same for narrow- and wide-band recordings.  Plain
    # numpy, not librosa: importing librosa's feature module (numba, llvmlite) cost 4–5 s on
    # the first call of a process, 30x the diarisation itself.
    x = _to_8k(samples, sample_rate)
    frames = _frame(x, 256)
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(257)[:-1], axis=1)) ** 2
    mel = np.log10(np.maximum(spectrum @ _MEL.T, 1e-10)) * 10
    mel = np.maximum(mel, mel.max() - 80.0)
    # c0 is loudness, which says more about the line than the speaker.
    mfcc = (mel @ _DCT.T)[:, 1:]
    rms = np.sqrt(np.mean(_frame(x, 400) ** 2, axis=1))
    n = min(len(mfcc), len(rms))
    # The louder half of a phrase is mostly vowels, where the pitch is trustworthy; louder
    # within its own region, not over the call, or the quieter party (measured: the agent of
    # Callytics Call01, 6 dB under the customer) has no pitch at all.  Noise and fricatives
    # get a "pitch" too, but a weakly periodic one that jumps from frame to frame, so only a
    # clear pitch that its neighbours confirm (within 4 %) is kept.
    loud = np.zeros(n, dtype=bool)
    for r in regions:
        block = rms[:n][_frames(r)]
        if len(block):
            loud[_frames(r)] = block > np.median(block)
    f0, clarity = _pitch(x, loud)
    log_f0 = np.log(np.clip(f0[:n], 1.0, None))
    steady = np.zeros(n, dtype=bool)
    steady[1:-1] = (np.abs(log_f0[1:-1] - log_f0[:-2]) < 0.04) & \
        (np.abs(log_f0[1:-1] - log_f0[2:]) < 0.04)
    voiced = loud & steady & (clarity[:n] > 0.4)
    pitch = np.where(voiced, log_f0, np.nan)
    return _Frames(mfcc=mfcc[:n], pitch=pitch)


_RATE = 8000
_HOP = _RATE // FRAMES_PER_S


def _to_8k(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Low-pass at 3.6 kHz (windowed sinc) and keep every other sample of 16 kHz audio."""
    if sample_rate == _RATE:
        return samples.astype(np.float64)
    if sample_rate != 2 * _RATE:
        raise ValueError(f"diarisation expects 8 or 16 kHz audio, not {sample_rate} Hz")
    taps = np.arange(-32, 33)
    kernel = np.sinc(2 * 3600 / sample_rate * taps) * np.hamming(len(taps))
    kernel /= kernel.sum()
    return np.convolve(samples.astype(np.float64), kernel, mode="same")[::2]


def _frame(x: np.ndarray, length: int) -> np.ndarray:
    """Centred frames of `length` samples every 10 ms."""
    padded = np.pad(x, length // 2)
    return np.lib.stride_tricks.sliding_window_view(padded, length)[::_HOP]


def _pitch(x: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: F0 in Hz from the autocorrelation peak (60–390 Hz), and that peak's height
    (0..1, how periodic the frame is); only the `wanted` frames are measured (0 elsewhere).
    The autocorrelation finds the period from the harmonics, so it works although the
    telephone band removed the fundamental of low voices.
    """
    f0, clarity = np.zeros(len(wanted)), np.zeros(len(wanted))
    rows = np.flatnonzero(wanted)
    if not len(rows):
        return f0, clarity
    everything = _frame(x, 400)
    rows = rows[rows < len(everything)]
    frames = everything[rows].astype(np.float32)
    frames -= frames.mean(axis=1, keepdims=True)
    # 540 = 400 + the longest lag, so the circular autocorrelation is the linear one.
    power = np.abs(np.fft.rfft(frames, 540, axis=1)) ** 2
    acf = np.fft.irfft(power, 540, axis=1)[:, :140]
    lo, hi = int(_RATE / 390), int(_RATE / 60)
    norm = acf / np.maximum(acf[:, :1], 1e-12)
    lag = lo + np.argmax(norm[:, lo:hi], axis=1)
    at = np.arange(len(lag))
    # Parabolic interpolation: at 8 kHz a lag step is 2.5 % of a 200 Hz period.
    left, mid, right = norm[at, lag - 1], norm[at, lag], norm[at, lag + 1]
    bend = left - 2 * mid + right
    shift = np.where(np.abs(bend) > 1e-9, 0.5 * (left - right) / np.where(bend == 0, 1, bend), 0)
    f0[rows] = _RATE / (lag + np.clip(shift, -0.5, 0.5))
    clarity[rows] = mid
    return f0, clarity


def _mel_filters(n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """Triangular mel filters (n_mels, n_fft // 2 + 1), each of unit area."""
    def mel(f):
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    edges = 700.0 * (10 ** (np.linspace(mel(fmin), mel(fmax), n_mels + 2) / 2595.0) - 1.0)
    bins = np.fft.rfftfreq(n_fft, 1.0 / _RATE)
    out = np.zeros((n_mels, len(bins)))
    for m in range(n_mels):
        lower, centre, upper = edges[m], edges[m + 1], edges[m + 2]
        rise = (bins - lower) / (centre - lower)
        fall = (upper - bins) / (upper - centre)
        out[m] = np.maximum(0.0, np.minimum(rise, fall)) * 2.0 / (upper - lower)
    return out


def _dct_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Orthonormal DCT-II, (n_out, n_in)."""
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    out = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * np.sqrt(2.0 / n_in)
    out[0] /= np.sqrt(2.0)
    return out


_MEL = _mel_filters(256, 40, 300.0, 3400.0)
_DCT = _dct_matrix(40, 20)


def _speech_frames(regions: tuple[Region, ...], n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    for r in regions:
        mask[_frames(r)] = True
    return mask[:n]


def _frames(r: Region) -> slice:
    a = int(r.start * FRAMES_PER_S)
    return slice(a, max(int(r.end * FRAMES_PER_S), a + 2))


def _embeddings(frames: _Frames, windows: list[Region], options: DiarisationOptions) -> np.ndarray:
    rows, pitches = [], []
    for w in windows:
        block = frames.mfcc[_frames(w)]
        rows.append(np.concatenate([block.mean(axis=0), block.std(axis=0)]))
        voiced = frames.pitch[_frames(w)]
        voiced = voiced[~np.isnan(voiced)]
        pitches.append(float(np.median(voiced)) if len(voiced) >= options.min_voiced_frames
                       else np.nan)
    feats = np.asarray(rows)
    std = feats.std(axis=0)
    feats = (feats - feats.mean(axis=0)) / np.where(std > 1e-9, std, 1.0)
    pitch = np.asarray(pitches)
    if np.isnan(pitch).all():
        return feats
    # On a fixed scale, not standardised: a call whose pitch hardly varies (one voice) must
    # not have that small spread blown up into a second speaker.  A window without enough
    # voiced frames gets the call's average pitch, a vote for nobody.
    pitch = (pitch - np.nanmean(pitch)) / options.pitch_scale
    pitch[np.isnan(pitch)] = 0.0
    return np.column_stack([feats, options.pitch_weight * pitch])


def _cluster_newcomer(embeddings: np.ndarray, windows: list[Region], joins_at: float,
                      speakers: int, options: DiarisationOptions) -> np.ndarray | None:
    """Window labels when the last of `speakers` joins at `joins_at` (a transfer).

    Before it, the others are clustered among themselves; after it, two voices are: the one
    nearest a voice from before stays that speaker (the customer, still on the line), the
    other is the newcomer (label `speakers - 1`).  Clustering the whole call at once put
    the customer before and after the transfer in two clusters and the colleague with one
    of them (measured on the rendered set, where two voices of the three were pico's).
    """
    before = np.array([w.end <= joins_at + 0.05 for w in windows])
    if before.sum() < 4 or (~before).sum() < 4:
        return None
    early = _cluster(embeddings[before], options, speakers - 1)
    late = _cluster(embeddings[~before], options, 2)
    centres_early = [embeddings[before][early == k].mean(axis=0) for k in range(speakers - 1)]
    centres_late = [embeddings[~before][late == k].mean(axis=0) for k in range(2)]
    distance = np.array([[np.linalg.norm(a - b) for b in centres_late] for a in centres_early])
    stays_as, stays = np.unravel_index(int(np.argmin(distance)), distance.shape)
    labels = np.empty(len(windows), dtype=int)
    labels[before] = early
    labels[~before] = np.where(late == stays, stays_as, speakers - 1)
    return labels


def _resegment(frames: _Frames, regions: tuple[Region, ...], speech: np.ndarray,
               frame_label: np.ndarray, options: DiarisationOptions,
               newcomer: tuple[int, int] | None = None) -> np.ndarray:
    """Refine labels frame by frame: one GMM (and pitch model) per speaker, Viterbi-decoded.

    Windows are a second long, so a turn change inside one (or a short "oui" sharing a
    window with the other voice) gets the wrong label; per-frame likelihoods under each
    speaker's model put the boundary where the voice actually changes.  Decoding each region
    on its own makes a pause a free place to change speaker, while inside a region a change
    must pay `switch_penalty`: a few frames that sound like the other voice are not a turn.
    """
    from scipy.ndimage import uniform_filter1d

    mean, std = frames.mfcc[speech].mean(axis=0), frames.mfcc[speech].std(axis=0) + 1e-9
    feats = (frames.mfcc - mean) / std
    label = frame_label.copy()
    for _ in range(options.resegment_iterations):
        speakers = [k for k in sorted(set(label[speech].tolist())) if k >= 0
                    and (label == k).sum() >= 50]
        if len(speakers) < 2:
            break
        scores = np.zeros((len(speakers), len(feats)))
        for row, k in enumerate(speakers):
            train = feats[label == k][::2]  # neighbouring 10 ms frames say the same
            gmm = _Gmm.fit(train, min(8, len(train) // 25))
            scores[row, speech] = gmm.score(feats[speech])
            pitch = frames.pitch[label == k]
            pitch = pitch[~np.isnan(pitch)]
            if len(pitch) >= 20:
                # Pitch as one more feature of the frame, where the frame is voiced.
                mu, sigma = float(np.median(pitch)), max(float(np.std(pitch)), 0.05)
                voiced = speech & ~np.isnan(frames.pitch)
                scores[row, voiced] += -0.5 * ((frames.pitch[voiced] - mu) / sigma) ** 2 \
                    - np.log(sigma)
            if newcomer is not None and k == newcomer[0]:
                scores[row, :newcomer[1]] = -1e9  # not on the line yet
        label = np.full(len(feats), -1)
        for r in regions:
            span = np.arange(len(feats))[_frames(r)]
            if len(span):
                smooth = uniform_filter1d(scores[:, span], size=options.smooth_frames, axis=1,
                                          mode="nearest")
                label[span] = np.asarray(speakers)[_viterbi(smooth, options.switch_penalty)]
    return label


def _viterbi(scores: np.ndarray, penalty: float) -> np.ndarray:
    """Best state path through (states, frames) log-likelihoods with a cost per change."""
    # Plain Python over 2–3 states: numpy's per-call overhead on arrays this small made
    # the vectorised form ten times slower.
    k, n = scores.shape
    rows = scores.T.tolist()
    total = list(rows[0])
    back = [[0] * k for _ in range(n)]
    for t in range(1, n):
        best = max(range(k), key=total.__getitem__)
        switch = total[best] - penalty
        row, link = rows[t], back[t]
        for j in range(k):
            if switch > total[j]:
                link[j] = best
                total[j] = switch + row[j]
            else:
                link[j] = j
                total[j] += row[j]
    path = [max(range(k), key=total.__getitem__)]
    for t in range(n - 1, 0, -1):
        path.append(back[t][path[-1]])
    return np.asarray(path[::-1], dtype=np.int64)


def _first_come(frame_label: np.ndarray) -> np.ndarray:
    """Speakers renumbered in order of first appearance: spk0 speaks first."""
    order: dict[int, int] = {}
    for k in frame_label[frame_label >= 0].tolist():
        order.setdefault(k, len(order))
    return np.array([order.get(k, -1) for k in frame_label.tolist()])


def _label_runs(frame_label: np.ndarray, regions: tuple[Region, ...]) -> list[SpeakerSegment]:
    out: list[SpeakerSegment] = []
    for r in regions:
        block = frame_label[_frames(r)]
        start = 0
        for i in range(1, len(block) + 1):
            if i == len(block) or block[i] != block[start]:
                if block[start] >= 0:
                    out.append(SpeakerSegment(round(r.start + start / FRAMES_PER_S, 3),
                                              round(min(r.start + i / FRAMES_PER_S, r.end), 3),
                                              f"spk{block[start]}"))
                start = i
    return out


def _cluster(features: np.ndarray, options: DiarisationOptions,
             speakers: int | None = None) -> np.ndarray:
    if len(features) < 4:
        return np.zeros(len(features), dtype=int)
    if speakers is not None:
        return _ward(features, max(1, min(speakers, len(features))))
    best_labels, best_score = np.zeros(len(features), dtype=int), options.min_silhouette
    for k in range(2, min(options.max_speakers, len(features) - 1) + 1):
        labels = _ward(features, k)
        score = float(np.mean(_silhouettes(features, labels)))
        margin = 0.0 if k == 2 else options.extra_speaker_gain
        log.debug("diarisation: k=%d silhouette=%.3f", k, score)
        if score > best_score + margin:
            best_labels, best_score = labels, score
    return best_labels


def _ward(features: np.ndarray, k: int) -> np.ndarray:
    """Agglomerative clustering with Ward's linkage into `k` clusters, labels 0..k-1."""
    from scipy.cluster.hierarchy import fcluster, linkage

    if k <= 1:
        return np.zeros(len(features), dtype=int)
    return fcluster(linkage(features, method="ward"), t=k, criterion="maxclust") - 1


def _silhouettes(features: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Silhouette of each point: (b - a) / max(a, b), a = mean distance within its cluster,
    b = to the nearest other cluster (0 for a point alone in its cluster)."""
    distance = np.sqrt(np.maximum(
        np.sum(features ** 2, axis=1)[:, None] + np.sum(features ** 2, axis=1)[None, :]
        - 2 * features @ features.T, 0.0))
    clusters = np.unique(labels)
    if len(clusters) < 2:
        return np.zeros(len(features))
    mean_to = np.stack([distance[:, labels == c].sum(axis=1) for c in clusters], axis=1)
    sizes = np.array([np.sum(labels == c) for c in clusters])
    own = np.searchsorted(clusters, labels)
    rows = np.arange(len(features))
    own_size = sizes[own]
    a = mean_to[rows, own] / np.maximum(own_size - 1, 1)
    mean_to = mean_to / sizes[None, :]
    mean_to[rows, own] = np.inf
    b = mean_to.min(axis=1)
    out = (b - a) / np.maximum(np.maximum(a, b), 1e-12)
    return np.where(own_size > 1, out, 0.0)


@dataclass(frozen=True)
class _Gmm:
    """A Gaussian mixture with diagonal covariances, fitted by EM (a speaker's voice model).

    Plain numpy: scikit-learn's import alone cost a second on the first call of a process,
    and a diagonal mixture is a few lines.
    """

    log_weights: np.ndarray   # (k,)
    means: np.ndarray         # (k, d)
    variances: np.ndarray     # (k, d)

    @classmethod
    def fit(cls, x: np.ndarray, k: int, *, iterations: int = 100, tol: float = 1e-2,
            floor: float = 1e-3, seed: int = 0) -> "_Gmm":
        k = max(1, min(k, len(x)))
        rng = np.random.default_rng(seed)
        # k-means++ seeding: each new centre far from the ones chosen, drawn by distance².
        centres = [x[rng.integers(len(x))]]
        for _ in range(k - 1):
            d2 = np.min([np.sum((x - c) ** 2, axis=1) for c in centres], axis=0)
            total = d2.sum()
            centres.append(x[rng.choice(len(x), p=d2 / total)] if total > 0
                           else x[rng.integers(len(x))])
        nearest = np.argmin([np.sum((x - c) ** 2, axis=1) for c in centres], axis=0)
        resp = np.eye(k)[nearest]
        model, previous = None, -np.inf
        for _ in range(iterations):
            model = cls._m_step(x, resp, floor)
            log_p = model._joint(x)
            peak = log_p.max(axis=1, keepdims=True)
            log_total = peak[:, 0] + np.log(np.exp(log_p - peak).sum(axis=1))
            resp = np.exp(log_p - log_total[:, None])
            mean = float(log_total.mean())
            if mean - previous < tol:
                break
            previous = mean
        return model

    @classmethod
    def _m_step(cls, x: np.ndarray, resp: np.ndarray, floor: float) -> "_Gmm":
        counts = resp.sum(axis=0) + 1e-10
        means = resp.T @ x / counts[:, None]
        variances = resp.T @ (x ** 2) / counts[:, None] - means ** 2 + floor
        return cls(np.log(counts / counts.sum()), means, np.maximum(variances, floor))

    def _joint(self, x: np.ndarray) -> np.ndarray:
        """log p(x, component), (n, k)."""
        precision = 1.0 / self.variances
        quad = (x ** 2) @ precision.T - 2 * x @ (self.means * precision).T \
            + np.sum(self.means ** 2 * precision, axis=1)
        log_det = np.sum(np.log(self.variances), axis=1)
        return self.log_weights - 0.5 * (x.shape[1] * np.log(2 * np.pi) + log_det + quad)

    def score(self, x: np.ndarray) -> np.ndarray:
        """log p(x) per row."""
        log_p = self._joint(x)
        peak = log_p.max(axis=1, keepdims=True)
        return peak[:, 0] + np.log(np.exp(log_p - peak).sum(axis=1))
