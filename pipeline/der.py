"""Diarisation error rate: who-spoke-when scored against a reference, plus role accuracy.

The DER itself comes from pyannote.metrics (the reference implementation the field reports
with), with the NIST convention for the collar: `collar_s` seconds either side of every
reference boundary are not scored, and overlapped speech is scored.  Role accuracy is ours:
the share of reference speech whose hypothesis speaker has the reference speaker's role
(agent or customer), over the reference speech the hypothesis found at all, and whether
every reference speaker got its role right.

Speaker labels carry their role as a prefix, ``role.name`` ("agent.spk0", "agent.colleague"),
so one RTTM holds both the speaker identity (for the DER) and the role (for role accuracy);
a bare tag such as ``CSR`` or ``Customer`` is mapped to its role as transcripts map it.
"""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import CallQAError
from pipeline.transcript import (AGENT, CUSTOMER, ROLES, Span, Transcript, load_transcript,
                                 role_of_tag, with_speakers)

REFERENCE_SUFFIXES = frozenset({".rttm", ".srt", ".vtt", ".json"})


@dataclass(frozen=True)
class SpeakerSpan:
    """One stretch of speech of one speaker (an RTTM SPEAKER line)."""

    start: float
    end: float
    speaker: str

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def role(self) -> str | None:
        return role_of_label(self.speaker)


@dataclass(frozen=True)
class DiarisationScore:
    call_id: str
    der: float                 # (missed + false alarm + confusion) / scored reference speech
    missed_s: float
    false_alarm_s: float
    confusion_s: float
    scored_s: float            # reference speech outside the collars
    role_accuracy: float | None  # share of the reference speech found given the right role
    roles_right: bool | None   # every reference speaker's speech mostly given its role
    reference_speakers: int
    hypothesis_speakers: int
    # How far turn edges land from the reference's: median and 90th percentile, seconds.
    boundary_median_s: float = 0.0
    boundary_p90_s: float = 0.0


def role_of_label(label: str) -> str | None:
    """The role a speaker label states, if any: "agent.spk0" -> agent, "CSR" -> agent."""
    head = label.split(".", 1)[0]
    role = role_of_tag(head)
    return role if role in ROLES else None


def read_rttm(path: Path) -> dict[str, tuple[SpeakerSpan, ...]]:
    """SPEAKER lines of an RTTM file, grouped by file id (uri)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CallQAError(f"{path.name}: cannot read RTTM ({exc})") from exc
    out: dict[str, list[SpeakerSpan]] = defaultdict(list)
    for n, line in enumerate(lines, 1):
        fields = line.split()
        if not fields or fields[0] != "SPEAKER":
            continue
        try:
            start, duration = float(fields[3]), float(fields[4])
            speaker = fields[7]
        except (IndexError, ValueError) as exc:
            raise CallQAError(f"{path.name} line {n}: not an RTTM SPEAKER line "
                              "(SPEAKER uri 1 start duration <NA> <NA> name <NA> <NA>)") from exc
        out[fields[1]].append(SpeakerSpan(start, start + duration, speaker))
    if not out:
        raise CallQAError(f"{path.name}: no SPEAKER lines; is it an RTTM file?")
    return {uri: tuple(sorted(spans, key=lambda s: s.start)) for uri, spans in out.items()}


def read_reference(path: Path) -> tuple[SpeakerSpan, ...]:
    """Reference speech of one call: RTTM, or a transcript with speaker tags (SRT/VTT/JSON)."""
    suffix = path.suffix.lower()
    if suffix == ".rttm":
        by_uri = read_rttm(path)
        if len(by_uri) > 1:
            raise CallQAError(f"{path.name}: holds {len(by_uri)} files; give one RTTM per call")
        return next(iter(by_uri.values()))
    if suffix in (".srt", ".vtt", ".json"):
        return transcript_spans(load_transcript(path))
    raise CallQAError(f"{path.name}: unknown reference format; use .rttm, .srt, .vtt or .json")


def transcript_spans(transcript: Transcript, roles: dict[str, str] | None = None
                     ) -> tuple[SpeakerSpan, ...]:
    """A transcript's turns as speaker spans; with `roles`, labels become "role.speaker"."""
    spans = []
    for t in transcript.turns:
        label = t.speaker
        if roles and t.speaker in roles:
            label = f"{roles[t.speaker]}.{t.speaker}"
        spans.append(SpeakerSpan(t.start, t.end, label))
    return tuple(spans)


def to_rttm(spans: tuple[SpeakerSpan, ...], uri: str) -> str:
    uri = re.sub(r"\s+", "_", uri)
    return "".join(f"SPEAKER {uri} 1 {s.start:.3f} {s.duration:.3f} <NA> <NA> {s.speaker} "
                   "<NA> <NA>\n" for s in spans if s.duration > 0)


def score(reference: tuple[SpeakerSpan, ...], hypothesis: tuple[SpeakerSpan, ...], *,
          call_id: str = "", collar_s: float = 0.25) -> DiarisationScore:
    """DER (pyannote.metrics) and role accuracy of `hypothesis` against `reference`."""
    from pyannote.core import Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref, hyp = _annotation(reference), _annotation(hypothesis)
    # Scored extent: the whole reference call, so speech found before the first or after the
    # last reference turn counts as false alarm instead of being cut away.
    end = max([s.end for s in reference] + [s.end for s in hypothesis] + [0.0])
    uem = Timeline([Segment(0.0, end)])
    # pyannote's collar is the total width removed around a boundary (half each side).
    metric = DiarizationErrorRate(collar=2 * collar_s, skip_overlap=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        detail = metric(ref, hyp, uem=uem, detailed=True)
    roles = _role_scores(reference, hypothesis)
    edges = _boundary_errors(reference, hypothesis)
    return DiarisationScore(
        call_id=call_id, der=float(detail["diarization error rate"]),
        missed_s=float(detail["missed detection"]), false_alarm_s=float(detail["false alarm"]),
        confusion_s=float(detail["confusion"]), scored_s=float(detail["total"]),
        role_accuracy=roles[0], roles_right=roles[1],
        reference_speakers=len({s.speaker for s in reference}),
        hypothesis_speakers=len({s.speaker for s in hypothesis}),
        boundary_median_s=float(np.median(edges)) if edges else 0.0,
        boundary_p90_s=float(np.percentile(edges, 90)) if edges else 0.0)


def pooled_der(scores: list[DiarisationScore]) -> float:
    """DER over a set of calls: errors summed over calls, divided by speech summed."""
    total = sum(s.scored_s for s in scores)
    errors = sum(s.missed_s + s.false_alarm_s + s.confusion_s for s in scores)
    return errors / total if total else 0.0


def _annotation(spans: tuple[SpeakerSpan, ...]):
    from pyannote.core import Annotation, Segment

    out = Annotation()
    for n, s in enumerate(spans):
        if s.duration > 0:
            out[Segment(s.start, s.end), n] = s.speaker
    return out


def _role_scores(reference: tuple[SpeakerSpan, ...], hypothesis: tuple[SpeakerSpan, ...]
                 ) -> tuple[float | None, bool | None]:
    """(share of reference speech given its role, every reference speaker mostly right)."""
    if not reference or any(s.role is None for s in reference) or \
            any(s.role is None for s in hypothesis):
        return None, None
    by_role: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for h in hypothesis:
        by_role[h.role].append((h.start, h.end))
    union = {role: _union(spans) for role, spans in by_role.items()}
    anyone = _union([(h.start, h.end) for h in hypothesis])
    per_speaker: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    total = right = 0.0
    for r in reference:
        for role, spans in union.items():
            per_speaker[r.speaker][role] += _covered(spans, r.start, r.end)
        # Over the speech the hypothesis found at all: missed speech is the DER's business.
        total += _covered(anyone, r.start, r.end)
        # Time given to the right role counts, whoever else the hypothesis also hears then.
        right += _covered(union.get(r.role, []), r.start, r.end)
    roles_right = all(any(found.values()) and max(found, key=found.get) == role_of_label(speaker)
                      for speaker, found in per_speaker.items())
    roles_right = roles_right and len(per_speaker) == len({r.speaker for r in reference})
    return (right / total if total else None), roles_right


@dataclass(frozen=True)
class CallEvaluation:
    """One call run through transcription, diarisation and roles, scored."""

    score: DiarisationScore
    hypothesis: tuple[SpeakerSpan, ...]
    channels: int
    role_basis: str
    role_confidence: float
    timings: dict[str, float]
    interruptions: tuple[Span, ...] = ()   # the agent starting over the customer for >= 1 s


def evaluate_audio(reference: Path, audio: Path, *, options=None,
                   collar_s: float = 0.25) -> CallEvaluation:
    """Run the pipeline on `audio` (up to roles) and score it against `reference`."""
    from pipeline.analysis import AnalysisOptions, _Clock, transcribe_call
    from pipeline.roles import decide_roles

    clock = _Clock()
    transcript = transcribe_call(audio, options=options or AnalysisOptions(), clock=clock)
    decision = decide_roles(transcript)
    clock.lap("roles")
    mapping = decision.mapping or {s: s for s in transcript.speakers}
    hypothesis = transcript_spans(transcript, mapping)
    with_roles = with_speakers(transcript, mapping, decision.basis)
    result = score(read_reference(reference), hypothesis, call_id=audio.stem,
                   collar_s=collar_s)
    return CallEvaluation(score=result, hypothesis=hypothesis, channels=transcript.channels,
                          role_basis=decision.basis, role_confidence=decision.confidence,
                          timings=dict(clock.times),
                          interruptions=tuple(Span(o.start, o.end)
                                              for o in with_roles.interruptions()))


def reference_interruptions(reference: tuple[SpeakerSpan, ...], *, min_s: float = 1.0
                            ) -> tuple[Span, ...]:
    """Where the reference has the agent side start over the customer for `min_s` or more."""
    out = []
    for a in reference:
        if a.role != AGENT:
            continue
        for c in reference:
            if c.role == CUSTOMER and c.start < a.start < c.end:
                end = min(a.end, c.end)
                if end - a.start >= min_s - 1e-6:
                    out.append(Span(a.start, end))
    return tuple(out)


def matched_spans(found: tuple[Span, ...], expected: tuple[Span, ...], *,
                  tolerance_s: float = 0.5) -> int:
    """How many expected spans one found span matches (both edges within `tolerance_s`)."""
    return sum(any(abs(f.start - e.start) <= tolerance_s and abs(f.end - e.end) <= tolerance_s
                   for f in found) for e in expected)


def _boundary_errors(reference: tuple[SpeakerSpan, ...], hypothesis: tuple[SpeakerSpan, ...]
                     ) -> list[float]:
    """For each reference start (end), the distance to the nearest hypothesis start (end) of
    the same speaker's turns, where the hypothesis names that speaker's role."""
    out = []
    for edge in ("start", "end"):
        for r in reference:
            same = [getattr(h, edge) for h in hypothesis if h.role is not None and h.role == r.role
                    and min(h.end, r.end) > max(h.start, r.start)]
            if same:
                out.append(min(abs(getattr(r, edge) - t) for t in same))
    return out


def _union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _covered(union: list[tuple[float, float]], start: float, end: float) -> float:
    return sum(max(0.0, min(end, e) - max(start, s)) for s, e in union)


def find_audio(reference: Path, audio_dir: Path | None = None) -> Path:
    """The recording a reference describes: same stem, in `audio_dir` or beside it."""
    from pipeline.audio import AUDIO_SUFFIXES

    folder = audio_dir or reference.parent
    for suffix in sorted(AUDIO_SUFFIXES):
        candidate = folder / f"{reference.stem}{suffix}"
        if candidate.is_file():
            return candidate
    raise CallQAError(f"{reference.name}: no recording named {reference.stem}.* in {folder}; "
                      "pass the audio folder with --audio, or a hypothesis with --hyp")


def read_hypothesis(path: Path, call_id: str) -> tuple[SpeakerSpan, ...]:
    """A hypothesis RTTM for one call: `path` is an RTTM file (any number of calls, the one
    whose file id is `call_id`) or a folder holding `<call_id>.rttm`."""
    if path.is_dir():
        path = path / f"{call_id}.rttm"
        if not path.is_file():
            raise CallQAError(f"{call_id}: no hypothesis {path.name} in {path.parent}")
    by_uri = read_rttm(path)
    if call_id in by_uri:
        return by_uri[call_id]
    if len(by_uri) == 1:
        return next(iter(by_uri.values()))
    raise CallQAError(f"{path.name}: no SPEAKER lines for {call_id}")
