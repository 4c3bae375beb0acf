"""Evidence labels in the page's language: every label a detector writes has a French and a
Dutch translation (pipeline/report/labels.yaml), composed labels are translated part by part,
an unknown label stays English, and the JSON report keeps the detectors' English labels (its
contract)."""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

import pytest

from conftest import call
from pipeline.analysis import AnalysisOptions, analyse
from pipeline.detectors.objections import CATEGORIES
from pipeline.report.html import to_html
from pipeline.report.json_report import to_dict
from pipeline.report.labels import label_text, translation
from pipeline.report.model import QualityReport
from pipeline.rubric import load_rubric
from pipeline.scoring import score_transcript
from pipeline.transcript import AGENT, CUSTOMER, Transcript, Turn

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_calls" / "truth"
RUBRICS = ("core", "cc0213", "hd0214", "opcl-inbound", "opcl-outbound")
TRANSLATED = ("fr", "nl")


def _stereo(*lines: tuple[str, float, float, str]) -> Transcript:
    turns = tuple(Turn(AGENT if who == "A" else CUSTOMER, start, end, text)
                  for who, start, end, text in lines)
    return Transcript(turns=turns, language="fr", duration_s=max(t.end for t in turns),
                      channels=2)


# What the sample calls do not show: an unanswered objection, hand-overs, an interruption.
HAND_BUILT = (
    call(("A", "je vous appelle pour vous proposer un rendez-vous avec un conseiller"),
         ("C", "non ça ne m'intéresse pas"), ("A", "ok")),
    call(("C", "c'est pour une question de facture"), ("A", "je vous transfère, ne quittez pas")),
    call(("C", "Je voudrais parler à votre responsable."),
         ("A", "Il n'est pas disponible. Autre chose ?")),
    _stereo(("A", 0, 2, "Bonjour."),
            ("C", 2.5, 10, "Alors voilà, j'ai reçu une facture et je ne comprends pas pourquoi"),
            ("A", 6.0, 9.0, "Oui mais attendez, quel est votre numéro de client ?"),
            ("C", 11, 12, "le 4512")),
)


@pytest.fixture(scope="module")
def samples() -> dict[str, QualityReport]:
    """The sample calls' reference transcripts, scored by the real detectors (no Whisper)."""
    rubric = load_rubric("core")
    return {p.stem: analyse(p, rubric=rubric, options=AnalysisOptions())
            for p in sorted(SAMPLES.glob("*.json"))}


@pytest.fixture(scope="module")
def emitted(samples) -> frozenset[str]:
    """Every label the detectors give the sample calls and the hand-built ones, under every
    bundled rubric (between them the rubrics run all the detectors)."""
    transcripts = [r.transcript for r in samples.values()] + list(HAND_BUILT)
    return frozenset(e.label for name in RUBRICS for t in transcripts
                     for c in score_transcript(t, load_rubric(name)).criteria
                     for e in c.evidence if e.label)


def test_every_label_emitted_has_a_french_and_a_dutch_translation(emitted):
    assert {"objection:no_need (unanswered)", "hand-over (to whom?)",
            "customer asks for someone else", "rebuttal", "customer answer"} <= emitted
    assert any(label.startswith("interruption (") for label in emitted)
    missing = sorted((label, lang) for label in emitted for lang in TRANSLATED
                     if translation(label, lang) is None)
    assert not missing


# Where a detector passes its label: the position of the label among a helper's arguments.
_LABEL_ARGUMENT = {"block_evidence": 2, "match_evidence": 3, "quote": 2, "of_turn": 2,
                   "reply_to": 2, "whole_call": 2}


def _strings(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()                      # composed (f-strings, "+"): see the composed tests


def _written_labels(source: str) -> set[str]:
    """The literal labels in a detector's source, passed straight to an evidence helper or
    through a variable assigned in the module."""
    tree = ast.parse(source)
    found: set[str] = set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func.attr if isinstance(node.func, ast.Attribute) else \
            getattr(node.func, "id", "")
        at = _LABEL_ARGUMENT.get(func, len(node.args))
        args = node.args[at:at + 1] + [k.value for k in node.keywords
                                       if k.arg in ("label", "no_reply")]
        for arg in args:
            found |= _strings(arg)
            if isinstance(arg, ast.Name):
                names.add(arg.id)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and \
                any(isinstance(t, ast.Name) and t.id in names for t in node.targets):
            found |= _strings(node.value)
    return found


def test_every_label_written_in_a_detector_has_a_translation():
    # Labels the sample calls never reach (a call-back promised without a moment, ...).
    written = set().union(*(_written_labels(p.read_text(encoding="utf-8"))
                            for p in sorted((ROOT / "pipeline" / "detectors").glob("*.py"))))
    assert {"call-back (when?)", "agent cannot handle it", "hold over the limit",
            "agent reply (no hand-over)"} <= written
    missing = sorted((label, lang) for label in written for lang in TRANSLATED
                     if translation(label, lang) is None)
    assert not missing


@pytest.mark.parametrize("label, fr, nl", [
    ("salutation", "salutation", "begroeting"),
    ("customer answer", "réponse du client", "antwoord van de klant"),
    ("objection:price (unanswered)", "objection : prix (sans réponse)",
     "bezwaar: prijs (onbeantwoord)"),
    ("objection:timing (repeated) (unanswered)", "objection : pas le bon moment (répétée) "
     "(sans réponse)", "bezwaar: geen goed moment (herhaald) (onbeantwoord)"),
    ("rebuttal (beyond the limit)", "réponse à l'objection (au-delà de la limite)",
     "weerlegging (boven de limiet)"),
    ("interruption (2.5 s over the customer)", "interruption (parle 2.5 s en même temps que "
     "le client)", "onderbreking (spreekt 2.5 s tegelijk met de klant)"),
    ("sentence of 31 words", "phrase de 31 mots", "zin van 31 woorden"),
])
def test_labels_translate(label, fr, nl):
    assert (label_text(label, "fr"), label_text(label, "nl")) == (fr, nl)
    assert label_text(label, "en") == label


@pytest.mark.parametrize("category", CATEGORIES + ("other",))
@pytest.mark.parametrize("suffix", ["", " (repeated)", " (unanswered)", " (repeated) (unanswered)"])
def test_every_objection_label_translates_part_by_part(category, suffix):
    label = f"objection:{category}{suffix}"
    fr, nl = label_text(label, "fr"), label_text(label, "nl")
    assert fr.startswith("objection : ") and nl.startswith("bezwaar: ")
    for text in (fr, nl):
        assert category not in text and "repeated" not in text and "unanswered" not in text
    assert fr.endswith("(sans réponse)") == nl.endswith("(onbeantwoord)") == \
        suffix.endswith("(unanswered)")


@pytest.mark.parametrize("label", ["a label nobody wrote", "objection:haggling",
                                   "objection:price (shouted)", "interruption (long)",
                                   "sentence of many words", "(unanswered)"])
def test_an_unknown_label_stays_english(label):
    for lang in (*TRANSLATED, "en", "de", ""):
        assert label_text(label, lang) == label
        assert translation(label, lang) is None


def test_english_and_unknown_languages_keep_the_label():
    assert label_text("customer answer", "en") == "customer answer"
    assert label_text("customer answer", "de") == "customer answer"
    assert label_text("", "fr") == ""


def _shown_labels(page: str) -> set[str]:
    """The labels of the criteria table's quotes."""
    spans = re.findall(r'<span class="labels">(.*?)</span>', page)
    return {label for span in spans for label in html.unescape(span).split(" · ")}


def _tooltip_labels(page: str) -> set[str]:
    """The labels in the timeline markers' tooltips: "0:07 Identité — acquis: réponse du
    client “Oui, c'est moi.”"."""
    titles = re.findall(r'<button type="button" class="marker[^"]*"[^>]*title="([^"]*)"', page)
    said = [re.match(r".*? — [^:“]*: (.*?) “", html.unescape(t)) for t in titles]
    return {label for m in said if m for label in m.group(1).split(" · ") if label}


def _labels(report: QualityReport) -> set[str]:
    return {e.label for c in report.scorecard.criteria for e in c.evidence if e.label}


@pytest.mark.parametrize("call_id, lang, expected", [
    ("fr_telecom_outbound", "fr", "objection : prix"),
    ("fr_bank", "fr", "réponse du client"),
    ("nl_parcel_delivery", "nl", "antwoord van de klant"),
])
def test_the_call_page_shows_the_labels_in_its_language(samples, call_id, lang, expected):
    report = samples[call_id]
    page = to_html(report)
    english = _labels(report)
    assert f'<html lang="{lang}">' in page
    assert _shown_labels(page) == {label_text(label, lang) for label in english}
    assert expected in _shown_labels(page)
    assert _tooltip_labels(page) == _shown_labels(page)


def test_the_english_page_keeps_the_detectors_labels(samples):
    report = samples["fr_telecom_outbound"]
    page = to_html(report, language="en")
    assert _shown_labels(page) == _tooltip_labels(page) == _labels(report)


def test_the_json_report_keeps_the_english_labels(samples):
    report = samples["fr_telecom_outbound"]
    data = to_dict(report)
    written = [e.get("label") for c in data["criteria"] for e in c["evidence"]]
    assert written == [e.label or None for c in report.scorecard.criteria for e in c.evidence]
    assert "objection:price" in written
    assert "objection : prix" not in json.dumps(data, ensure_ascii=False)
