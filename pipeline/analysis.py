"""One call, end to end: audio or transcript in, QualityReport out."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from pipeline import activity, asr, audio, diarize
from pipeline.detectors.silence import classify_gaps
from pipeline.errors import AudioError
from pipeline.models import resolve_model
from pipeline.report.model import QualityReport
from pipeline.roles import decide_roles
from pipeline.rubric import Rubric
from pipeline.scoring import score_transcript
from pipeline.transcript import Transcript, load_transcript, with_speakers

log = logging.getLogger(__name__)

TRANSCRIPT_SUFFIXES = frozenset({".json", ".srt", ".vtt"})


@dataclass(frozen=True)
class AnalysisOptions:
    model: str = "base"
    language: str = "auto"          # auto | fr | nl | en
    agent_channel: str = "auto"     # auto | 0 | 1 (stereo only)
    cpu_threads: int = 0
    beam_size: int = 5              # Whisper's beam; 1 (greedy) is faster, see bench/stages.py
    report_language: str | None = None
    min_gap_s: float = 2.0
    # Share of the voice-active sound that Silero must hear as a voice.  Measured: hold music,
    # ring-back and busy tones 0–0.2 %, the sample and diarisation calls 33 % and more.  Below
    # it the recording is refused ("no speech found"): a coach has nobody to assess in hold
    # music, and Whisper would only invent words for it.  Music with singing passes.
    min_voice_share: float = 0.05
    # Mask personal data (numbers, e-mails, IBANs, dates, addresses) in what is written.  Done
    # after scoring, never before: the identity check needs the customer number it masks.
    redact: bool = False


class _Clock:
    """Wall time per stage, reported so users see where the time goes."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.times[stage] = self.times.get(stage, 0.0) + now - self._last
        self._last = now


def analyse(path: Path, *, rubric: Rubric, options: AnalysisOptions) -> QualityReport:
    """Score one recording or transcript file against `rubric`."""
    clock = _Clock()
    model_name = ""
    if path.suffix.lower() in TRANSCRIPT_SUFFIXES:
        transcript = load_transcript(path, min_gap_s=options.min_gap_s)
        if options.language != "auto":
            transcript = replace(transcript, language=options.language)
        clock.lap("load")
    else:
        transcript = transcribe_call(path, options=options, clock=clock)
        model_name = options.model if "/" not in options.model else Path(options.model).name
    name = audio.shown_name(path)
    return assess(transcript, call_id=Path(name).stem, source=name, rubric=rubric,
                  options=options, model_name=model_name, clock=clock)


def assess(transcript: Transcript, *, call_id: str, source: str, rubric: Rubric,
           options: AnalysisOptions, model_name: str = "",
           clock: _Clock | None = None) -> QualityReport:
    """Roles, silences and the rubric's verdicts for a call already transcribed."""
    clock = clock or _Clock()
    decision = decide_roles(transcript, agent_label=_agent_label(transcript, options))
    transcript = with_speakers(transcript, decision.mapping, decision.basis)
    clock.lap("roles")
    silence_params = rubric.params_for("silence")
    silences = classify_gaps(transcript, silence_params)
    scorecard = score_transcript(transcript, rubric, report_language=options.report_language)
    clock.lap("detectors")
    return QualityReport(call_id=call_id, source=source, transcript=transcript,
                         silences=silences, scorecard=scorecard, rubric_id=rubric.id,
                         rubric_version=str(rubric.version), model=model_name,
                         role_confidence=decision.confidence, timings=dict(clock.times))


def transcribe_call(path: Path, *, options: AnalysisOptions, clock: _Clock | None = None) -> Transcript:
    """Decode, find speech, transcribe and diarise: the Transcript of a recording."""
    clock = clock or _Clock()
    name = audio.shown_name(path)
    decoded = audio.decode(path)
    clock.lap("decode")
    channels = _distinct_channels(decoded.channels)
    voice = activity.detect_activity(channels, decoded.sample_rate)
    gaps = activity.find_gaps(voice, min_gap_s=options.min_gap_s)
    if not any(a.regions for a in voice):
        raise AudioError(f"{name}: no speech found in the recording (silence or noise "
                         "only); check the file is the call")
    sound_s = sum(_speech_s(a) for a in voice)
    if sum(a.voice_s for a in voice) < options.min_voice_share * sound_s:
        raise AudioError(f"{name}: no speech found, only music or tones ({sound_s:.0f} s of "
                         "sound, no voice in it); check the file is the call, not hold music")
    # Resolved once the audio is known to hold speech: a bad file fails without the model.
    model_dir = resolve_model(options.model)
    stereo = len(channels) == 2 and all(_speech_s(a) >= 1.0 for a in voice)
    if len(channels) == 2 and not stereo:
        # Both parties on one channel (the other is silent): diarise that channel as mono.
        keep = int(_speech_s(voice[1]) > _speech_s(voice[0]))
        channels, voice = (channels[keep],), (voice[keep],)
    clock.lap("vad")
    asr_options = asr.AsrOptions(model_dir=model_dir, cpu_threads=options.cpu_threads,
                                 beam_size=options.beam_size)
    language = options.language
    if language == "auto":
        union = tuple(sorted((r for a in voice for r in a.regions), key=lambda r: r.start))
        language, probability = asr.detect_language(audio.mix(channels), decoded.sample_rate,
                                                    union, options=asr_options)
        log.info("%s: language %s (p=%.2f)", name, language, probability)
    words = tuple(asr.transcribe(samples, decoded.sample_rate, a.regions, language=language,
                                 options=asr_options) for samples, a in zip(channels, voice))
    clock.lap("asr")
    if stereo:
        # A colleague who took over after a transfer speaks on the agent's channel: that
        # channel gets a diarisation of its own, for two voices.
        voices = {}
        for c in range(2):
            handed = diarize.transfer_at(words[c], language)
            if handed is not None:
                segments = _mono_segments(channels[c], decoded.sample_rate,
                                          voice[c].regions, speakers=2)
                # The agent speaks first on their own line: spk0.
                voices[c] = diarize.hand_over(segments, at=handed, agent="spk0")
        labelled = diarize.channel_words(words, voices=voices)
    else:
        handed = diarize.transfer_at(words[0], language)
        # After a transfer a colleague joins when the announcement ends: agent and customer
        # before it, customer and colleague (and perhaps the agent) after.
        segments = _mono_segments(
            channels[0], decoded.sample_rate, voice[0].regions,
            speakers=3 if handed else None, joins_at=handed.end if handed else None)
        labelled = diarize.assign_words(words[0], segments)
    turns = diarize.build_turns(labelled)
    # Overlaps need a channel per party: in a mono mix two voices at once are one signal.
    overlaps = activity.find_overlaps(voice, ("ch0", "ch1")) if stereo else ()
    clock.lap("diarisation")
    if not turns:
        raise AudioError(f"{name}: speech was found but no words were recognised; "
                         "check the language (--language) and the recording quality")
    return Transcript(turns=turns, language=language, duration_s=round(decoded.duration, 3),
                      gaps=gaps, channels=2 if stereo else 1, overlaps=overlaps)


def _agent_label(transcript: Transcript, options: AnalysisOptions) -> str | None:
    if options.agent_channel == "auto":
        return None
    if transcript.channels != 2:
        log.warning("--agent-channel ignored: the recording is not two-channel")
        return None
    return f"ch{options.agent_channel}"


def _speech_s(a: activity.ChannelActivity) -> float:
    return sum(r.duration for r in a.regions)


def _distinct_channels(channels: tuple[audio.Samples, ...]) -> tuple[audio.Samples, ...]:
    """Two identical channels (mono saved as stereo) are one channel."""
    if len(channels) == 2:
        a, b = channels
        # A minute at a time: a spooled recording is never read whole.
        step = 60 * audio.SAMPLE_RATE
        if len(a) == len(b) and all(np.allclose(a[i:i + step], b[i:i + step], atol=1e-3)
                                    for i in range(0, len(a), step)):
            return (a,)
    return channels


def _mono_segments(samples: audio.Samples, sample_rate: int, regions: tuple[activity.Region, ...],
                   *, speakers: int | None = None, joins_at: float | None = None
                   ) -> tuple[diarize.SpeakerSegment, ...]:
    """`diarize.mono_segments` of one channel.  A spooled (long) channel is diarised on its
    speech alone, cut out with a margin and laid end to end, and the times mapped back: the
    diarisation holds its whole input in memory, several times over."""
    if isinstance(samples, np.ndarray):
        return diarize.mono_segments(samples, sample_rate, regions, speakers=speakers,
                                     joins_at=joins_at)
    pieces: list[np.ndarray] = []
    layout: list[tuple[float, float, float]] = []   # (start, end, start once laid out)
    laid = 0.0
    for start, end in _speech_spans(regions, len(samples) / sample_rate):
        pieces.append(samples[round(start * sample_rate):round(end * sample_rate)])
        layout.append((start, end, laid))
        laid = round(laid + len(pieces[-1]) / sample_rate, 6)

    def to_laid(t: float) -> float:
        for start, end, at in layout:
            if t <= end:
                return round(at + max(0.0, t - start), 3)
        return laid

    def from_laid(t: float) -> float:
        start, _, at = next(item for item in reversed(layout) if item[2] <= t + 1e-6)
        return round(start + t - at, 3)

    moved = tuple(activity.Region(to_laid(r.start), to_laid(r.end)) for r in regions)
    segments = diarize.mono_segments(np.concatenate(pieces), sample_rate, moved,
                                     speakers=speakers,
                                     joins_at=None if joins_at is None else to_laid(joins_at))
    return tuple(replace(s, start=from_laid(s.start), end=from_laid(s.end)) for s in segments)


def _speech_spans(regions: tuple[activity.Region, ...], total_s: float, margin_s: float = 0.5
                  ) -> list[tuple[float, float]]:
    """The regions widened by `margin_s` of real audio (the features look a little either side),
    merged, on the 10 ms frame grid of the diarisation so every frame keeps its content."""
    spans: list[tuple[float, float]] = []
    for r in regions:
        start = max(0.0, np.floor((r.start - margin_s) * 100) / 100)
        end = min(total_s, np.ceil((r.end + margin_s) * 100) / 100)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans

