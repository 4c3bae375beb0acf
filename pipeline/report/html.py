"""The call page and the batch overview as self-contained HTML files.

Everything the page needs is inline (CSS, script, charts; the recording when it is small), so a
report opens from disk, offline, and can be mailed as one file.  Templates are autoescaped:
transcript text is data, never markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

import jinja2
from markupsafe import Markup

from pipeline.detectors.silence import Silence
from pipeline.evidence import Evidence
from pipeline.report.feedback import trainee_feedback
from pipeline.report.labels import label_text
from pipeline.report.model import QualityReport
from pipeline.report.summary import BatchSummary
from pipeline.report.wording import Wording, clock, page_language, wording
from pipeline.scoring import CriterionResult
from pipeline.transcript import AGENT, CUSTOMER

# Facts worth a line in the criteria table (the contract asks for these counts).
_SHOWN_FACTS = ("objections", "rebuttals")
_TICK_STEPS = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline.report", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True)
    env.filters["clock"] = clock
    return env


# ---------------------------------------------------------------------------------------------
# What the call page shows, computed here so the template only lays it out.


@dataclass(frozen=True)
class Mark:
    """Something placed on the timeline, in percent of the call's length."""

    left: float
    width: float
    start: float
    css: str
    title: str
    text: str = ""

    @property
    def long(self) -> bool:
        # Evidence spanning much of the call ("whole call checked", "last turns") is drawn
        # faint, so the short, pointed pieces of evidence stand out.
        return self.width > 25


@dataclass(frozen=True)
class Lane:
    name: str
    css: str
    marks: tuple[Mark, ...]
    criterion_id: str = ""


@dataclass(frozen=True)
class Quote:
    """One piece of evidence as shown; the same quote found by two rules is shown once.
    `labels` are in the page's language (the JSON report keeps the detectors' English)."""

    start: float
    end: float
    speaker: str
    text: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class CriterionView:
    result: CriterionResult
    quotes: tuple[Quote, ...]
    facts: tuple[tuple[str, int | float], ...]


@dataclass(frozen=True)
class Line:
    """A transcript line, with the criteria whose evidence it is and the silence before it."""

    start: float
    end: float
    speaker: str
    text: str
    criteria: tuple[CriterionResult, ...]
    pause: Silence | None = None


def to_html(report: QualityReport, *, language: str | None = None,
            audio_src: str | None = None) -> str:
    """The call page.  `audio_src` is a URL relative to the page or a data: URI (None: the
    call came in as a transcript and there is nothing to play)."""
    words = wording(page_language(language, report.transcript.language))
    length = _length(report)
    criteria = report.scorecard.criteria
    return _environment().get_template("call.html.j2").render(
        r=report, w=words, audio_src=audio_src, length=length,
        speaker_lanes=_speaker_lanes(report, words, length),
        silence_marks=_silence_marks(report, words, length),
        evidence_lanes=tuple(_evidence_lane(c, words, length) for c in criteria),
        ticks=_ticks(length), criteria=tuple(_criterion_view(c, words) for c in criteria),
        lines=_lines(report), feedback=trainee_feedback(report, words),
        speaker_css=_speaker_css)


def _length(report: QualityReport) -> float:
    ends = [t.end for t in report.transcript.turns] + [s.end for s in report.silences]
    return max([report.duration_s, *ends, 1.0])


def _speaker_css(speaker: str) -> str:
    return speaker if speaker in (AGENT, CUSTOMER) else ("none" if not speaker else "other")


def _mark(start: float, end: float, length: float, css: str, title: str, text: str = "") -> Mark:
    left = min(max(start, 0.0), length) / length * 100
    width = max(min(end, length) - max(start, 0.0), 0.0) / length * 100
    return Mark(round(left, 3), round(width, 3), round(start, 2), css, title, text)


def _speaker_lanes(report: QualityReport, words: Wording, length: float) -> tuple[Lane, ...]:
    # Agent on top, then the customer, then any speaker roles could not name.
    speakers = sorted(report.transcript.speakers,
                      key=lambda s: (s != AGENT, s != CUSTOMER, s))
    return tuple(
        Lane(words.speaker_name(s), _speaker_css(s), tuple(
            _mark(t.start, t.end, length, _speaker_css(s),
                  f"{clock(t.start)} {words.speaker_name(s)}: {_shorten(t.text, 140)}")
            for t in report.transcript.turns if t.speaker == s))
        for s in speakers)


def _silence_marks(report: QualityReport, words: Wording, length: float) -> tuple[Mark, ...]:
    return tuple(_mark(s.start, s.end, length, s.kind,
                       f"{clock(s.start)} {words.silence[s.kind]} ({s.duration:.1f} s)",
                       f"{s.duration:.1f} s")
                 for s in report.silences)


def _evidence_lane(c: CriterionResult, words: Wording, length: float) -> Lane:
    marks = tuple(
        _mark(q.start, q.end, length, c.status,
              f"{clock(q.start)} {words.criterion_name(c.id, c.title)} — "
              f"{words.status[c.status]}: {' · '.join(q.labels)} “{_shorten(q.text, 140)}”")
        for q in _quotes(c.evidence, words.lang))
    return Lane(words.criterion_name(c.id, c.title), c.status, marks, criterion_id=c.id)


def _ticks(length: float) -> tuple[tuple[float, str], ...]:
    step = next((s for s in _TICK_STEPS if length / s <= 10), _TICK_STEPS[-1])
    return tuple((round(t / length * 100, 3), clock(t)) for t in range(0, int(length) + 1, step))


def _quotes(evidence: tuple[Evidence, ...], language: str) -> tuple[Quote, ...]:
    merged: dict[tuple, list[str]] = {}
    for e in evidence:
        labels = merged.setdefault((e.start, e.end, e.speaker, e.text), [])
        # Translated before the duplicate check: two English labels may read the same.
        label = label_text(e.label, language)
        if label and label not in labels:
            labels.append(label)
    return tuple(Quote(start, end, speaker, text, tuple(labels))
                 for (start, end, speaker, text), labels in merged.items())


def _criterion_view(c: CriterionResult, words: Wording) -> CriterionView:
    facts = tuple((k, c.facts[k]) for k in _SHOWN_FACTS if k in c.facts)
    return CriterionView(c, _quotes(c.evidence, words.lang), facts)


def _lines(report: QualityReport) -> tuple[Line, ...]:
    cited: dict[int, list[CriterionResult]] = {}
    for c in report.scorecard.criteria:
        for e in c.evidence:
            if e.turn_index is not None and c not in cited.setdefault(e.turn_index, []):
                cited[e.turn_index].append(c)
    turns = report.transcript.turns
    # Each silence is shown before the first turn that starts once it is over (turn times from
    # ASR may overlap a gap's edge by a fraction of a second).
    pauses: dict[int, Silence] = {}
    for s in report.silences:
        after = next((i for i, t in enumerate(turns) if t.start >= s.end - 0.5), None)
        if after is not None:
            pauses.setdefault(after, s)
    return tuple(Line(t.start, t.end, t.speaker, t.text, tuple(cited.get(i, ())), pauses.get(i))
                 for i, t in enumerate(turns))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


# ---------------------------------------------------------------------------------------------
# The batch overview


def summary_html(summary: BatchSummary, *, charts: Mapping[str, str],
                 pages: frozenset[str]) -> str:
    """The coach's overview.  `charts` holds inline SVGs by name (matplotlib output);
    `pages` the call ids whose call page sits beside the overview, to link to."""
    words = wording(summary.language)
    return _environment().get_template("summary.html.j2").render(
        s=summary, w=words, charts={k: _markup(v) for k, v in charts.items()}, pages=pages)


def _markup(svg: str) -> Markup:
    # Trusted: matplotlib's own SVG, whose text is drawn as paths and whose comments it escapes.
    return Markup(svg)
