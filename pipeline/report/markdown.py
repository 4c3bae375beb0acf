"""The report as Markdown: the trainee's feedback, short, with quotes and timestamps."""

from __future__ import annotations

from pipeline.report.feedback import Point, trainee_feedback
from pipeline.report.model import QualityReport
from pipeline.report.wording import clock, page_language, wording


def _plain(text: str) -> str:
    # Markdown must not interpret a transcript (quotes reach the feedback sentences too):
    # neutralise what would become markup, HTML or a link.
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


def to_markdown(report: QualityReport, *, language: str | None = None) -> str:
    """What went well, what to do next time, and where in the call to listen."""
    words = wording(page_language(language, report.transcript.language))
    feedback = trainee_feedback(report, words)
    card = report.scorecard
    lines = [f"# {_plain(words.call_of.format(call_id=report.call_id))}", "",
             f"**{words.score}{words.colon} {card.score:.0f}/100 — {card.verdict}**", "",
             _plain(feedback.intro), ""]
    for heading, points in ((words.went_well, feedback.went_well),
                            (words.next_time, feedback.next_time)):
        if points:
            lines += [f"## {heading}", ""]
            lines += [_item(p, words.status[p.status] if p.status != "met" else "")
                      for p in points]
            lines.append("")
    lines += [f"## {words.criteria}", "",
              f"| {words.criterion} | {words.status_heading} |", "|---|---|"]
    lines += [f"| {_plain(c.title)}{' (' + words.critical + ')' if c.critical else ''} "
              f"| {words.status[c.status]} |" for c in card.criteria]
    return "\n".join(lines) + "\n"


def _item(point: Point, status: str) -> str:
    where = f" [{clock(point.moment.start)}]" if point.moment else ""
    tag = f" ({status})" if status else ""
    return f"- **{_plain(point.title)}**{tag}{where} — {_plain(point.text)}"
