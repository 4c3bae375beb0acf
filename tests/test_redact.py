"""--redact: personal data masked in texts, transcripts and reports; every timestamp kept."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from pipeline.detectors.silence import Silence
from pipeline.evidence import Detection, Evidence
from pipeline.redact import (find_data, redact_evidence, redact_report, redact_text,
                             redact_transcript, redact_words)
from pipeline.report.json_report import to_dict
from pipeline.report.model import QualityReport
from pipeline.rubric import load_rubric
from pipeline.scoring import QUOTE_CHARS, CriterionResult, Scorecard, render_feedback, \
    score_transcript
from pipeline.transcript import AGENT, CUSTOMER, Gap, Transcript, Turn, Word

SAMPLES = Path(__file__).resolve().parent.parent / "sample_calls"

# (text, expected): every kind of datum, in French, Dutch and English, written as Whisper
# writes it or as a person transcribes it.
MASKED = [
    # e-mail addresses, written and spoken
    ("Mon adresse c'est jean.dupont@gmail.com, merci.", "Mon adresse c'est [EMAIL], merci."),
    ("Mijn e-mail is an.peeters@telenet.be", "Mijn e-mail is [EMAIL]"),
    ("It's emma dot clark at example dot com.", "It's [EMAIL]."),
    ("Oui, c'est lucas point bernard, arobase exemple point fr.", "Oui, c'est [EMAIL]."),
    ("Het is jan punt peeters apenstaartje telenet punt be.", "Het is [EMAIL]."),
    # IBANs, spaced and not
    ("Mon IBAN est BE68 5390 0754 7034.", "Mon IBAN est [IBAN]."),
    ("Mijn rekeningnummer is BE68539007547034.", "Mijn rekeningnummer is [IBAN]."),
    ("My IBAN is GB82 WEST 1234 5698 7654 32, thanks.", "My IBAN is [IBAN], thanks."),
    # phone numbers: Belgian mobile and landline, international, grouped every way
    ("Vous pouvez me joindre au 0470 12 34 56.", "Vous pouvez me joindre au [PHONE]."),
    ("Bel me op 02 123 45 67 na de middag.", "Bel me op [PHONE] na de middag."),
    ("Call me on +32 470 12 34 56 please.", "Call me on [PHONE] please."),
    ("Mon numéro : 0470/12.34.56.", "Mon numéro : [PHONE]."),
    ("Het nummer is 02/123.45.67.", "Het nummer is [PHONE]."),
    ("Appelez le +32 (0)2 123 45 67.", "Appelez le [PHONE]."),
    ("Of 0032 470 12 34 56.", "Of [PHONE]."),
    ("The office is +44 20 7946 0958.", "The office is [PHONE]."),
    ("Reach me at (555) 123-4567.", "Reach me at [PHONE]."),
    ("Mon GSM c'est le 0470123456.", "Mon GSM c'est le [PHONE]."),
    # customer, contract, account, order numbers: digits, grouped, with letters
    ("Le 412 308.", "Le [NUMBER]."),
    ("C'est le 55 20 41.", "C'est le [NUMBER]."),
    ("Oui, c'est le 4 5 2 1 8.", "Oui, c'est le [NUMBER]."),
    ("Votre numéro de contrat, AB-123456 ?", "Votre numéro de contrat, [NUMBER] ?"),
    ("Mijn klantnummer is 1234 5678.", "Mijn klantnummer is [NUMBER]."),
    ("The order number is 3SABC123456789.", "The order number is [NUMBER]."),
    ("Mon numéro client est 4521.", "Mon numéro client est [NUMBER]."),  # short, but named
    ("Uw polisnummer is 887.", "Uw polisnummer is [NUMBER]."),
    ("My account number is 90 887.", "My account number is [NUMBER]."),
    ("Mon numéro national, 79.02.14-123.45.", "Mon numéro national, [NUMBER]."),
    # numbers said digit by digit, or in pairs
    ("C'est quatre cinq six sept huit.", "C'est [NUMBER]."),
    ("Het is vier vijf zes zeven.", "Het is [NUMBER]."),
    ("It's four five six seven.", "It's [NUMBER]."),
    ("Zéro quatre septante, douze, trente-quatre, cinquante-six.", "[NUMBER]."),
    ("Vijfenveertig twaalf drieëndertig.", "[NUMBER]."),
    ("It's oh seven seven double four one two.", "It's [NUMBER]."),
    # dates and dates of birth
    ("Je suis né le 14 février 1979.", "Je suis né le [DATE]."),
    ("Date de naissance : 14/02/1979.", "Date de naissance : [DATE]."),
    ("Ik ben geboren op 14 februari 1979.", "Ik ben geboren op [DATE]."),
    ("I was born on February 14th, 1979.", "I was born on [DATE]."),
    ("Né le 3 mars 80.", "Né le [DATE]."),
    ("Ma date de naissance, c'est le 14 février.", "Ma date de naissance, c'est le [DATE]."),
    ("Geboren in 1979.", "Geboren in [DATE]."),
    ("Quatorze février mille neuf cent septante-neuf.", "[DATE]."),
    ("The 14th of February 1979.", "The [DATE]."),
    ("Le contrat date du 14.02.2019.", "Le contrat date du [DATE]."),
    ("Votre plafond passe à 3000 euros jusqu'au 30 juin 2024.",
     "Votre plafond passe à 3000 euros jusqu'au [DATE]."),
    # addresses: street with number, postcode with city, postcodes asked for
    ("J'habite rue de la Loi 16, 1000 Bruxelles.", "J'habite [ADDRESS]."),
    ("Mijn adres is Kerkstraat 12, 9000 Gent.", "Mijn adres is [ADDRESS]."),
    ("I live at 12 Baker Street.", "I live at [ADDRESS]."),
    ("C'est avenue Louise 54.", "C'est [ADDRESS]."),
    ("Vous habitez toujours au 12 rue de Paris, à Nantes ?",
     "Vous habitez toujours au [ADDRESS] ?"),
    ("j'habite rue de la loi 16", "j'habite [ADDRESS]"),
    ("Wat is uw postcode? Postcode 1050.", "Wat is uw postcode? Postcode [ADDRESS]."),
    ("Mon code postal, c'est 4000.", "Mon code postal, c'est [ADDRESS]."),
    ("Dat is 3512 AB, nummer 14.", "Dat is [ADDRESS]."),
    ("Ik woon in de Kerkstraat.", "Ik woon in de [ADDRESS]."),
    ("The postcode is SW1A 1AA.", "The postcode is [ADDRESS]."),
    ("Il habite 12 place de la Gare.", "Il habite [ADDRESS]."),
    ("I live at five five two main street.", "I live at [ADDRESS]."),
    ("Mijn adres is Stationsstraat 4 bus 2, 2000 Antwerpen.", "Mijn adres is [ADDRESS]."),
]

# What a quality coach must still read: quantities, prices, times, durations, appointments.
KEPT = [
    "Je peux payer en 3 fois, sur 20 jours.",
    "Votre plafond passe à 3000 euros jusqu'au 30 juin.",
    "Je vous propose notre assurance voyage, à 4 euros par mois.",
    "Je vois votre commande du 3 mai.",
    "Le technicien passe jeudi à 14h30, ou à 14:30 au plus tard.",
    "C'est ouvert de 9 à 17 heures.",
    "Un montant de 12 500 euros, ou 1.250,50 € par mois.",
    "Ça fait 1500 kWh sur l'année, soit 2 minutes d'attente.",
    "Deux, trois fois par semaine.",
    "Un, deux, trois, soleil.",
    "La rue est fermée depuis 3 jours.",
    "Il n'y a plus de place Monsieur.",
    "Votre débit passe à 100 Mbps.",
    "En 2020 Proximus a augmenté ses prix.",
    "Uw pakket ligt bij de buren, nummer 14.",
    "Ik bel u morgen om tien uur terug, binnen 2 dagen.",
    "Ik ben onderweg, 3 dagen nog.",
    "In 2021 Telenet changed the plan.",
    "I'll call you back in 15 minutes, at 3 pm.",
    "The engineer comes on Thursday at 10.",
    "It costs 49.99 a month, 20 pounds less.",
    "Twenty twenty-four was a good year, since nineteen seventy.",
    "During 3 calls the line dropped.",
    "Je ne sais pas, le 3 mars peut-être.",
    "Bonjour, Énergie Plus, Claire Martin à votre écoute.",
    "On a fait la mise en place Netflix hier, le technicien vient sur place.",
    "J'ai réservé 1 place de parking.",
    "Votre numéro client, et vous payez 250 par mois.",
    "I have one more street to cross.",
    "Je vous rappelle au 2e étage, bureau 12.",
]


@pytest.mark.parametrize("text,expected", MASKED)
def test_masks_each_kind_of_datum(text: str, expected: str):
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_small_quantities_times_and_prices_stay(text: str):
    assert redact_text(text) == text


@pytest.mark.parametrize("text", [t for t, _ in MASKED] + KEPT)
def test_redacting_twice_is_redacting_once(text: str):
    once = redact_text(text)
    assert redact_text(once) == once


def test_data_are_found_in_order_without_overlap():
    text = "Mail jean@x.be, GSM 0470 12 34 56, né le 14/02/1979, rue de la Loi 16."
    data = find_data(text)
    assert [d.kind for d in data] == ["EMAIL", "PHONE", "DATE", "ADDRESS"]
    assert all(a.end <= b.start for a, b in zip(data, data[1:]))
    assert text[data[1].start:data[1].end] == "0470 12 34 56"   # "GSM" is a word, kept


# The data the sample calls' scripts put in the customers' mouths (sample_calls/truth).
SAMPLE_DATA = ["emma dot clark at example dot com", "14 février 1979", "412 308", "55 20 41",
               "12 rue de Paris", "lucas point bernard, arobase exemple point fr", "3512 AB"]


def test_sample_call_transcripts_lose_their_data_and_nothing_else():
    turns = [t["text"] for path in sorted(SAMPLES.glob("truth/*.json"))
             for t in json.loads(path.read_text(encoding="utf-8"))["turns"]]
    assert len(turns) > 50
    for text in turns:
        held = [d for d in SAMPLE_DATA if d in text]
        if held:
            assert not [d for d in held if d in redact_text(text)], text
        else:
            assert redact_text(text) == text


def _words(text: str, start: float) -> tuple[Word, ...]:
    return tuple(Word(w, round(start + 0.4 * i, 2), round(start + 0.4 * i + 0.3, 2), 0.9)
                 for i, w in enumerate(text.split()))


def _turn(speaker: str, text: str, start: float) -> Turn:
    words = _words(text, start)
    return Turn(speaker, start, words[-1].end, " ".join(w.text for w in words), words,
                channel=0 if speaker == AGENT else 1)


def test_words_keep_their_times_and_join_to_the_masked_turn():
    turn = _turn(CUSTOMER, "Oui, c'est le 0470 12 34 56, et jean.dupont@gmail.com aussi.", 3.0)
    masked = redact_words(turn.words)
    assert [(w.start, w.end, w.probability) for w in masked] == \
        [(w.start, w.end, w.probability) for w in turn.words]
    # The word where a datum starts carries its mask and what follows it ("56," leaves ",").
    assert [w.text for w in masked] == ["Oui,", "c'est", "le", "[PHONE],", "", "", "", "et",
                                        "[EMAIL]", "aussi."]
    assert " ".join(w.text for w in masked if w.text) == redact_text(turn.text)


def test_transcript_times_kept_and_text_consistent():
    transcript = Transcript(
        turns=(_turn(AGENT, "Quel est votre numéro client ?", 0.0),
               _turn(CUSTOMER, "Le 412 308, et je suis né le 14 février 1979.", 2.5),
               Turn(AGENT, 8.0, 9.5, "Vous habitez rue de la Loi 16 ?")),   # no words
        language="fr", duration_s=10.0, gaps=(Gap(6.0, 8.0),), channels=2)
    redacted = redact_transcript(transcript)
    assert [(t.speaker, t.start, t.end, t.channel) for t in redacted.turns] == \
        [(t.speaker, t.start, t.end, t.channel) for t in transcript.turns]
    assert [t.text for t in redacted.turns] == [
        "Quel est votre numéro client ?", "Le [NUMBER], et je suis né le [DATE].",
        "Vous habitez [ADDRESS] ?"]
    for before, after in zip(transcript.turns, redacted.turns):
        assert [(w.start, w.end) for w in after.words] == [(w.start, w.end) for w in before.words]
        if after.words:
            assert " ".join(w.text for w in after.words if w.text) == after.text
    assert (redacted.gaps, redacted.duration_s, redacted.language, redacted.channels) == \
        (transcript.gaps, transcript.duration_s, transcript.language, transcript.channels)
    assert redact_transcript(redacted) == redacted
    with pytest.raises(dataclasses.FrozenInstanceError):
        redacted.turns[0].text = "x"  # type: ignore[misc]


def test_evidence_keeps_its_times_speaker_and_label():
    e = Evidence(12.5, 14.0, CUSTOMER, "C'est le 55 20 41.", label="identifying datum",
                 turn_index=3)
    assert redact_evidence(e) == dataclasses.replace(e, text="C'est le [NUMBER].")


# A call full of data, in the agent's words too (feedback quotes the agent), with a hold
# announced before a gap (the silence carries that announcement as evidence).
DATA = ["0470 12 34 56", "412 308", "jean.dupont@gmail.com", "BE68 5390 0754 7034",
        "14 février 1979", "rue de la Loi 16", "1000 Bruxelles", "quatre cinq six sept"]
LINES = [
    (AGENT, "Bonjour, Énergie Plus, Claire Martin à votre écoute."),
    (CUSTOMER, "Bonjour. Je voudrais changer mon adresse, j'habite rue de la Loi 16, "
               "1000 Bruxelles."),
    (AGENT, "Quel est votre numéro client, s'il vous plaît ?"),
    (CUSTOMER, "Le 412 308. Et mon code secret c'est quatre cinq six sept."),
    (AGENT, "Merci. Je note votre mail jean.dupont@gmail.com et le 0470 12 34 56. "
            "Je vous mets en attente un instant."),
    (AGENT, "Merci de votre patience. Si je comprends bien, vous souhaitez que le contrat "
            "412 308 soit à l'adresse rue de la Loi 16, 1000 Bruxelles ?"),
    (CUSTOMER, "Oui, et je suis né le 14 février 1979, mon IBAN est BE68 5390 0754 7034."),
    (AGENT, "C'est noté. Merci de votre appel, et bonne journée. Au revoir."),
]


def _call() -> Transcript:
    turns, t = [], 0.0
    for speaker, text in LINES:
        turns.append(_turn(speaker, text, t))
        t = turns[-1].end + (8.0 if "attente" in text else 0.5)
    gaps = tuple(Gap(a.end, b.start) for a, b in zip(turns, turns[1:]) if b.start - a.end >= 2)
    return Transcript(turns=tuple(turns), language="fr", duration_s=t, gaps=gaps,
                      channels=2)


@pytest.fixture(scope="module")
def report() -> QualityReport:
    from pipeline.detectors.silence import classify_gaps
    rubric = load_rubric("core")
    transcript = _call()
    return QualityReport(
        call_id="call", source="call.wav", transcript=transcript,
        silences=classify_gaps(transcript, rubric.params_for("silence")),
        scorecard=score_transcript(transcript, rubric), rubric_id=rubric.id,
        rubric_version=str(rubric.version), model="base")


def _dump(report: QualityReport) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False)


def test_report_json_holds_no_datum_after_redaction(report: QualityReport):
    before = _dump(report)
    # The report really quotes the data before: in turns, evidence and feedback.
    assert all(d in before for d in DATA)
    assert any("412 308" in c.feedback or "0470" in c.feedback for c in report.scorecard.criteria)
    assert any(s.announcement is not None for s in report.silences)
    redacted = redact_report(report)
    after = _dump(redacted)
    assert not [d for d in DATA if d in after]
    assert "[PHONE]" in after and "[NUMBER]" in after and "[ADDRESS]" in after
    for s in redacted.silences:
        if s.announcement is not None:
            assert "0470" not in s.announcement.text and "[EMAIL]" in s.announcement.text


def test_every_rendering_of_the_redacted_report_holds_no_datum(report: QualityReport):
    from pipeline.report.html import to_html
    from pipeline.report.markdown import to_markdown
    from pipeline.transcript import to_json_dict, to_srt, to_vtt

    assert all(d in to_html(report) for d in DATA)
    assert any(d in to_markdown(report) for d in DATA)
    redacted = redact_report(report)
    pages = {"html": to_html(redacted), "md": to_markdown(redacted),
             "srt": to_srt(redacted.transcript), "vtt": to_vtt(redacted.transcript),
             "transcript": json.dumps(to_json_dict(redacted.transcript), ensure_ascii=False)}
    assert {name: [d for d in DATA if d in text] for name, text in pages.items()} == \
        {name: [] for name in pages}


def test_report_keeps_every_time_verdict_and_fact(report: QualityReport):
    redacted = redact_report(report)
    assert redacted.scorecard.score == report.scorecard.score
    assert redacted.scorecard.verdict == report.scorecard.verdict
    for a, b in zip(report.scorecard.criteria, redacted.scorecard.criteria):
        assert (a.id, a.status, dict(a.facts), a.weight, a.critical) == \
            (b.id, b.status, dict(b.facts), b.weight, b.critical)
        assert [(e.start, e.end, e.speaker, e.label, e.turn_index) for e in a.evidence] == \
            [(e.start, e.end, e.speaker, e.label, e.turn_index) for e in b.evidence]
    assert [(s.start, s.end, s.kind) for s in redacted.silences] == \
        [(s.start, s.end, s.kind) for s in report.silences]
    assert [(t.start, t.end) for t in redacted.transcript.turns] == \
        [(t.start, t.end) for t in report.transcript.turns]
    assert (redacted.call_id, redacted.source, redacted.timings) == \
        (report.call_id, report.source, report.timings)
    assert redact_report(redacted) == redacted
    assert report.transcript == _call()              # the original is untouched


def test_feedback_quote_clipped_inside_a_datum_is_masked():
    # The quote is clipped at QUOTE_CHARS, in the middle of the phone number: what is left of
    # it ("0470 1…") would be too short to recognise on its own.
    lead = "Je vous confirme " + "x" * (QUOTE_CHARS - len("Je vous confirme ") - 8)
    quote = lead + " 0470 12 34 56 et c'est tout."
    evidence = (Evidence(1.0, 5.0, AGENT, quote, label="reformulation", turn_index=0),)
    feedback = render_feedback("Vous avez dit « {quote} ».", Detection("met", evidence))
    assert "0470 1" in feedback and "12 34 56" not in feedback
    result = CriterionResult(id="reformulation", title="", status="met", evidence=evidence,
                             competences=(), weight=1.0, critical=False, feedback=feedback,
                             facts={})
    transcript = Transcript(turns=(Turn(AGENT, 1.0, 5.0, quote),), language="fr")
    report = QualityReport(call_id="c", source="c.json", transcript=transcript, silences=(),
                           scorecard=Scorecard((result,), 100.0, "OK"), rubric_id="core",
                           rubric_version="1")
    redacted = redact_report(report).scorecard.criteria[0].feedback
    assert "0470" not in redacted and "[PHONE]" in redacted and redacted.startswith("Vous avez dit")


def test_silence_without_announcement_is_unchanged():
    s = Silence(3.0, 9.0, "dead_air")
    transcript = Transcript(turns=(Turn(AGENT, 0.0, 3.0, "Un instant."),), language="fr")
    report = QualityReport(call_id="c", source="c.json", transcript=transcript, silences=(s,),
                           scorecard=Scorecard((), 0.0, "NOK"), rubric_id="core",
                           rubric_version="1")
    assert redact_report(report).silences == (s,)
