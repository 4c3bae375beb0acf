"""Speech recognition: faster-whisper (CTranslate2, int8 on CPU) over voice-active regions.

Only speech is decoded: the regions found by `activity` are cut out, concatenated and
transcribed in one pass per channel, and word times are mapped back to the recording.  A long
recording is transcribed in passes of at most `AsrOptions.max_pass_s` of speech each, read
from the recording as they are needed, so memory does not grow with its length.  Each
word is then clamped to the region it was spoken in, so the last word of a phrase cannot
stretch over the pause that follows (Whisper's timestamps otherwise tend to).
"""

from __future__ import annotations

import bisect
import functools
import logging
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from pipeline.activity import Region
from pipeline.audio import Samples
from pipeline.errors import ModelError
from pipeline.transcript import Word

log = logging.getLogger(__name__)

SUPPORTED_LANGUAGES = ("fr", "nl", "en")


@dataclass(frozen=True)
class AsrOptions:
    model_dir: Path
    beam_size: int = 5
    cpu_threads: int = 0  # 0 = CTranslate2's default (all cores)
    # Real audio kept around each speech region: with less, Whisper's word times drift across
    # the joins (measured: a 0.4 s reply glued to the end of the previous phrase at 0.2 s).
    pad_s: float = 0.4
    # A voice-active region this long whose words span less than this share of it is
    # decoded again on its own.
    recover_min_s: float = 1.0
    recover_coverage: float = 0.25
    snap_s: float = 0.25  # word edges this close to a region's edge move onto it
    # Audio given to Whisper at once: its features of a 10-min pass take ~100 MB; a whole
    # 3-hour channel of speech would take 2 GB.  Calls shorter than this are one pass.
    max_pass_s: float = 600.0


@functools.lru_cache(maxsize=2)
def load_model(model_dir: Path, cpu_threads: int = 0):
    """The Whisper model, loaded once per process (it takes ~1 s and ~200 MB)."""
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(str(model_dir), device="cpu", compute_type="int8",
                            cpu_threads=cpu_threads, local_files_only=True)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"cannot load the Whisper model in {Path(model_dir).name!r} ({exc}); "
                         "check it is a CTranslate2 Whisper directory") from exc


@dataclass(frozen=True)
class _Piece:
    """A region cut out of the recording: where it sits in the concatenation and originally."""

    concat_start: float
    orig_start: float
    duration: float
    speech: Region


def detect_language(samples: Samples, sample_rate: int, regions: tuple[Region, ...],
                    *, options: AsrOptions) -> tuple[str, float]:
    """The most likely supported language of the speech in `regions` and its probability."""
    # Whisper listens to the first 30 s of speech only: the rest is not read.
    audio, _ = _concatenate(samples, sample_rate, regions, options.pad_s, enough_s=30.0)
    if len(audio) == 0:
        return "fr", 0.0
    model = load_model(options.model_dir, options.cpu_threads)
    _, _, probs = model.detect_language(audio[: 30 * sample_rate])
    # Whisper knows ~100 languages; synthetic or telephone Dutch is sometimes heard as
    # Afrikaans or Finnish, so the vote is restricted to the languages the rubrics cover.
    supported = {lang: p for lang, p in probs if lang in SUPPORTED_LANGUAGES}
    best = max(supported, key=supported.get)
    total = sum(supported.values()) or 1.0
    return best, supported[best] / total


def transcribe(samples: Samples, sample_rate: int, regions: tuple[Region, ...],
               *, language: str, options: AsrOptions) -> tuple[Word, ...]:
    """Timed words spoken in `regions` of one channel (times in seconds of the recording)."""
    words = _transcribe_pass(samples, sample_rate, regions, language=language, options=options)
    # Whisper sometimes skips a whole phrase, most often a channel's first (measured on the
    # rendered set: an agent's 2–4 s opening came back without a word, or with the first word
    # of the next phrase pulled into it, and so without a greeting).  The voice-active
    # regions it left (nearly) wordless are decoded once more, on their own.
    missed = tuple(r for r in regions if r.duration >= 0.3
                   and _coverage(words, r) < options.recover_coverage)
    if (any(r.duration >= options.recover_min_s for r in missed)
            and sum(r.duration for r in missed) <= 0.4 * sum(r.duration for r in regions)):
        log.info("decoding %d nearly wordless speech regions again", len(missed))
        again = _transcribe_pass(samples, sample_rate, missed, language=language,
                                 options=options)
        redone = [r for r in missed if any(_inside(w, r) for w in again)]
        kept = tuple(w for w in words if not any(_inside(w, r) for r in redone))
        words = tuple(sorted(kept + again, key=lambda w: w.start))
    return _snap_to_regions(words, regions, options.snap_s)


def _snap_to_regions(words: tuple[Word, ...], regions: tuple[Region, ...], snap_s: float
                     ) -> tuple[Word, ...]:
    """The first word of a voice-active region starts where the region does, the last ends
    where it ends, when they are already close.

    Voice activity finds speech onsets and offsets to within a frame (measured on the
    rendered set: a few ms), Whisper's word edges only to about 0.1 s (its starts run early,
    its ends early too); a turn's edges are its first and last words', so they inherit the
    better of the two.
    """
    if not words or not regions:
        return words
    starts = [r.start for r in regions]
    home = [max(0, bisect.bisect_right(starts, (w.start + w.end) / 2) - 1) for w in words]
    out = list(words)
    for i, (w, k) in enumerate(zip(words, home)):
        region = regions[k]
        start, end = w.start, w.end
        if (i == 0 or home[i - 1] != k) and abs(start - region.start) <= snap_s:
            start = region.start
        if (i + 1 == len(words) or home[i + 1] != k) and abs(region.end - end) <= snap_s:
            end = region.end
        if end > start:
            out[i] = replace(w, start=round(start, 3), end=round(end, 3))
    return tuple(out)


def _coverage(words: tuple[Word, ...], region: Region) -> float:
    """Share of a region that its words span (a phrase's words cover most of its speech)."""
    spoken = sum(max(0.0, min(w.end, region.end) - max(w.start, region.start)) for w in words
                 if w.end > region.start and w.start < region.end)
    return spoken / region.duration if region.duration > 0 else 1.0


def _inside(word: Word, region: Region) -> bool:
    return region.start - 0.1 <= (word.start + word.end) / 2 <= region.end + 0.1


def _transcribe_pass(samples: Samples, sample_rate: int, regions: tuple[Region, ...],
                     *, language: str, options: AsrOptions) -> tuple[Word, ...]:
    words: list[Word] = []
    for group in _passes(regions, options.max_pass_s, options.pad_s):
        words.extend(_transcribe_group(samples, sample_rate, group, language=language,
                                       options=options))
    return tuple(words)


def _passes(regions: tuple[Region, ...], max_s: float, pad_s: float
            ) -> list[tuple[Region, ...]]:
    """`regions` in consecutive groups of at most `max_s` of padded audio; a region longer
    than that on its own (hours of "speech" are noise or music) is cut into equal parts."""
    groups: list[tuple[Region, ...]] = []
    current: list[Region] = []
    size = 0.0
    for region in regions:
        parts = max(1, int(np.ceil((region.duration + 2 * pad_s) / max_s)))
        step = region.duration / parts
        for k in range(parts):
            part = region if parts == 1 else Region(round(region.start + k * step, 3),
                                                    round(region.start + (k + 1) * step, 3))
            need = part.duration + 2 * pad_s
            if current and size + need > max_s:
                groups.append(tuple(current))
                current, size = [], 0.0
            current.append(part)
            size += need
    if current:
        groups.append(tuple(current))
    return groups


def _transcribe_group(samples: Samples, sample_rate: int, regions: tuple[Region, ...],
                      *, language: str, options: AsrOptions) -> list[Word]:
    audio, pieces = _concatenate(samples, sample_rate, regions, options.pad_s)
    if not pieces:
        return []
    model = load_model(options.model_dir, options.cpu_threads)
    segments, _ = model.transcribe(
        audio, language=language, beam_size=options.beam_size, word_timestamps=True,
        vad_filter=False,                   # regions are already speech
        condition_on_previous_text=False,   # avoids repetition loops on long calls
        # No temperature fallback: measured on the sample calls, a last window holding only
        # a few hundred ms of line noise loops ("C'est la première fois." x N) and the
        # fallback then decodes the whole window six times (16 s instead of 4 s for a 29 s
        # channel) to return noise anyway.  The looping window is dropped below instead.
        temperature=0.0)
    words: list[Word] = []
    starts = [p.concat_start for p in pieces]
    said: set[str] = set()
    for segment in segments:
        if _hallucinated(segment, said):
            log.info("dropped a likely hallucination at %.1f s: %r", segment.start, segment.text)
            continue
        said.add(_normalised(segment.text))
        for n, w in enumerate(segment.words or ()):
            text = w.word.strip()
            if not text:
                continue
            if not any(ch.isalnum() for ch in text):
                # A lone "?" or "," ends the word before it; its own time is meaningless.
                if words:
                    words[-1] = replace(words[-1], text=words[-1].text + text)
                continue
            index = max(0, bisect.bisect_right(starts, (w.start + w.end) / 2) - 1)
            piece = pieces[index]
            start = piece.orig_start + (w.start - piece.concat_start)
            end = piece.orig_start + (w.end - piece.concat_start)
            if start >= piece.speech.end and index + 1 < len(pieces):
                # Whisper's word times run early: a word that starts after its region's speech
                # has ended was spoken at the start of the next region (measured on the
                # sample calls: the first word after a pause or a hold lands in the pause).
                duration = min(end - start, 0.6)
                piece = pieces[index + 1]
                start = max(piece.speech.start, words[-1].end if words else 0.0)
                end = start + duration
            # Clamp to the voice-active region (widened a little for soft onsets/offsets).
            start = max(start, piece.speech.start - 0.1)
            end = max(min(end, piece.speech.end + 0.1), start + 0.05)
            probability = round(float(w.probability), 3)
            glued = n > 0 and not w.word.startswith(" ")
            if not any(ch.isalnum() for ch in text):
                glued = True  # a lone "?" or "," belongs to the word before it, never starts one
                if not words:
                    continue
            if glued and words:
                # Whisper marks a new word with a leading space; a token without one ("'est",
                # ",23") continues the previous word, so it is glued back ("c'est").
                prev = words.pop()
                if start - prev.end > 0.3:
                    # The pieces were mapped to different regions: Whisper put the first
                    # token ("C" of "C'est") in the padding at the end of the previous region.
                    # The word is where its rest is; spanning both would swallow the pause.
                    text = prev.text + text
                else:
                    text, start = prev.text + text, prev.start
                end, probability = max(prev.end, end), min(prev.probability, probability)
            words.append(Word(text=text, start=round(float(start), 3), end=round(float(end), 3),
                              probability=probability))
    return words


def _hallucinated(segment, said: set[str]) -> bool:
    """Whisper's failure signs: a looping text, or noise decoded as low-confidence words.

    A loop is judged segment by segment — a line said again word for word, or a line that
    repeats itself — not by the window's compression ratio: that ratio is the whole 30 s
    window's, so one loop at its end would drop the real words before it (measured on a
    hard synthetic voice of the dev set: a caller's whole channel lost to the loop that
    closed its only window).
    """
    text = _normalised(segment.text)
    return (text in said or _compression_ratio(text) > 2.4
            or (segment.no_speech_prob > 0.6 and segment.avg_logprob < -1.0))


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def _compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def _concatenate(samples: Samples, sample_rate: int, regions: tuple[Region, ...],
                 pad_s: float, *, enough_s: float | None = None
                 ) -> tuple[np.ndarray, list[_Piece]]:
    """The padded regions laid end to end, and where each piece came from.  With `enough_s`,
    pieces stop once that much audio is gathered (the pieces kept are cut as without it)."""
    total = len(samples) / sample_rate
    pieces: list[_Piece] = []
    chunks: list[np.ndarray] = []
    cursor = 0.0
    previous_end = 0.0
    for n, region in enumerate(regions):
        if enough_s is not None and cursor >= enough_s:
            break
        # Padding never reaches back into the previous piece, so no audio is decoded twice.
        start = max(region.start - pad_s, previous_end, 0.0)
        # After the last region, little padding: Whisper decodes whatever follows its last
        # timestamp as a window of its own, and a window of pure line noise is where it
        # hallucinates and loops (measured: 0.5 s of trailing noise cost 9 s of decoding).
        end = min(region.end + (pad_s if n + 1 < len(regions) else 0.1), total)
        if end <= start:
            continue
        chunk = samples[int(start * sample_rate): int(end * sample_rate)]
        pieces.append(_Piece(cursor, start, len(chunk) / sample_rate, region))
        chunks.append(chunk)
        cursor += len(chunk) / sample_rate
        previous_end = end
    if not chunks:
        return np.zeros(0, dtype=np.float32), []
    return np.concatenate(chunks).astype(np.float32, copy=False), pieces

