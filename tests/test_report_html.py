"""The call page as HTML (no browser): self-contained, escaped, every criterion findable, the
recording embedded or linked, the page in the call's language."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from pipeline.analysis import AnalysisOptions, analyse
from pipeline.detectors.silence import classify_gaps
from pipeline.outputs import audio_source, write_report
from pipeline.report.html import to_html
from pipeline.report.model import QualityReport
from pipeline.rubric import load_rubric
from pipeline.scoring import score_transcript
from pipeline.transcript import AGENT, CUSTOMER, Transcript, Turn, gaps_from_turns

SAMPLES = Path(__file__).resolve().parent.parent / "sample_calls"


@pytest.fixture(scope="module")
def rubric():
    return load_rubric("core")


def truth_report(call_id: str, rubric, **options) -> QualityReport:
    """A report from a sample call's reference transcript: the real detectors, no Whisper."""
    return analyse(SAMPLES / "truth" / f"{call_id}.json", rubric=rubric,
                   options=AnalysisOptions(**options))


def report_of(turns: list[tuple[str, float, float, str]], rubric, language="en") -> QualityReport:
    built = tuple(Turn(AGENT if who == "A" else CUSTOMER, start, end, text)
                  for who, start, end, text in turns)
    transcript = Transcript(turns=built, language=language, duration_s=built[-1].end + 1,
                            gaps=gaps_from_turns(built))
    return QualityReport(call_id="hostile", source="hostile.json", transcript=transcript,
                         silences=classify_gaps(transcript), rubric_id=rubric.id,
                         rubric_version=str(rubric.version),
                         scorecard=score_transcript(transcript, rubric))


def test_every_criterion_carries_its_id_and_the_verdict_is_on_top(rubric):
    report = truth_report("fr_bank", rubric)
    page = to_html(report)
    for criterion in report.scorecard.criteria:
        assert page.count(f'<tr class="{criterion.status}" data-criterion="{criterion.id}"') == 1
    assert f'data-verdict="{report.scorecard.verdict}"' in page
    assert f'<span class="num">{report.scorecard.score:.0f}</span>' in page
    assert '<html lang="fr">' in page
    # One evidence marker per distinct quote, each seeking to the quote's start.
    greeting = next(c for c in report.scorecard.criteria if c.id == "greeting")
    assert f'data-seek="{round(greeting.evidence[0].start, 2)}" data-for="greeting"' in page


def test_page_is_self_contained(rubric):
    page = to_html(truth_report("nl_parcel_delivery", rubric), audio_src="call.wav")
    # Nothing fetched from anywhere: no external script, stylesheet, font or image.
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<link rel=\"stylesheet\"" not in page and "@import" not in page
    assert "<style>" in page and "<script>" in page
    assert '<html lang="nl">' in page and "Verloop van het gesprek" in page


def test_report_language_overrides_the_call_language(rubric):
    report = truth_report("fr_bank", rubric, report_language="en")
    page = to_html(report, language="en")
    assert '<html lang="en">' in page and "Your feedback" in page and "Votre retour" not in page


def test_transcript_html_renders_inert(rubric):
    evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">'
    report = report_of([
        ("A", 0.5, 3.0, f"Hello, this is Emma from Northway. {evil}"),
        ("C", 3.5, 6.0, f'I want a refund "now" & {evil}'),
        ("A", 6.5, 9.0, "May I have your account number? </textarea></title>"),
    ], rubric)
    page = to_html(report)
    body = page.split("<body", 1)[1]
    assert "<script>window.__pwned" not in body and "<img src=x" not in body
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in body
    assert "&lt;/title&gt;" in body
    # The page's own script is the only one.
    assert body.count("<script>") == 1


def test_transcript_input_gets_a_page_without_a_player(rubric):
    page = to_html(truth_report("fr_it_helpdesk", rubric))
    assert "<audio" not in page and "transcription" in page


def test_small_recordings_are_embedded_large_ones_linked(tmp_path: Path):
    audio = SAMPLES / "audio" / "fr_it_helpdesk.mp3"
    embedded = audio_source(audio, tmp_path)
    assert embedded.startswith("data:audio/mpeg;base64,")
    linked = audio_source(audio, tmp_path / "reports" / "week 1", embed_max_bytes=0)
    assert not linked.startswith("data:")
    assert (tmp_path / "reports" / "week 1" / linked).resolve() == audio.resolve()
    spaced = tmp_path / "my calls" / "call #1.wav"
    spaced.parent.mkdir()
    spaced.write_bytes(b"RIFF")
    # A URL, not a path: spaces and '#' must not break the link.
    linked = audio_source(spaced, tmp_path / "out", embed_max_bytes=0)
    assert linked == "../my%20calls/call%20%231.wav"


def test_write_report_writes_the_page_with_its_recording(tmp_path: Path, rubric):
    report = truth_report("fr_transport_public", rubric)
    written = write_report(report, tmp_path, ("html", "md"),
                           audio=SAMPLES / "audio" / "fr_transport_public.flac")
    assert [p.name for p in written] == ["fr_transport_public.html", "fr_transport_public.md",
                                         "fr_transport_public.json"]
    page = (tmp_path / "fr_transport_public.html").read_text(encoding="utf-8")
    assert 'src="data:audio/flac;base64,' in page
    umask = os.umask(0)
    os.umask(umask)
    # Like any file the user creates, not mkstemp's owner-only 0600.
    assert (tmp_path / "fr_transport_public.html").stat().st_mode & 0o777 == 0o666 & ~umask
