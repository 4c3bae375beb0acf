"""The report as Markdown: the trainee's feedback, with quotes and timestamps."""

from __future__ import annotations

from pipeline.report.model import QualityReport

_STATUS = {
    "fr": {"met": "acquis", "partial": "partiel", "not_met": "non acquis",
           "not_applicable": "sans objet"},
    "nl": {"met": "behaald", "partial": "gedeeltelijk", "not_met": "niet behaald",
           "not_applicable": "niet van toepassing"},
    "en": {"met": "met", "partial": "partial", "not_met": "not met",
           "not_applicable": "not applicable"},
}
_WORDS = {
    "fr": ("Score", "Verdict", "Silences", "Transcription", "agent", "client"),
    "nl": ("Score", "Oordeel", "Stiltes", "Transcript", "agent", "klant"),
    "en": ("Score", "Verdict", "Silences", "Transcript", "agent", "customer"),
}


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


def _quote(text: str) -> str:
    # Markdown must not interpret a transcript: neutralise the characters that would.
    return text.replace("\\", "\\\\").replace("`", "'").replace("<", "&lt;").replace(">", "&gt;")


def to_markdown(report: QualityReport, *, language: str | None = None) -> str:
    lang = language or report.transcript.language
    lang = lang if lang in _STATUS else "en"
    score_w, verdict_w, silences_w, transcript_w, agent_w, customer_w = _WORDS[lang]
    who = {"agent": agent_w, "customer": customer_w}
    card = report.scorecard
    lines = [f"# {report.call_id}", "",
             f"**{score_w}: {card.score:.0f}/100 — {verdict_w}: {card.verdict}**", ""]
    for c in card.criteria:
        lines.append(f"## {c.title} — {_STATUS[lang][c.status]}")
        if c.feedback:
            lines += ["", c.feedback]
        for e in c.evidence[:6]:
            speaker = who.get(e.speaker, e.speaker) or "—"
            label = f" ({e.label})" if e.label else ""
            lines.append(f"- [{_clock(e.start)}–{_clock(e.end)}] {speaker}{label}: "
                         f"“{_quote(e.text)}”")
        lines.append("")
    if report.silences:
        lines.append(f"## {silences_w}")
        lines += [f"- {_clock(s.start)}–{_clock(s.end)} ({s.end - s.start:.1f} s, {s.kind})"
                  for s in report.silences]
        lines.append("")
    lines.append(f"## {transcript_w}")
    lines += [f"- [{_clock(t.start)}] **{who.get(t.speaker, t.speaker)}**: {_quote(t.text)}"
              for t in report.transcript.turns]
    return "\n".join(lines) + "\n"
