import json
from pathlib import Path

import pytest

from pipeline.errors import TranscriptError
from pipeline.transcript import (Gap, Transcript, Turn, gaps_from_turns, load_transcript,
                                 to_json_dict, to_rttm, to_srt, to_vtt)

SRT = """1
00:00:03,453 --> 00:00:09,166
[CSR] Hello and welcome to Callytics! My name is Emily.

2
00:00:09,582 --> 00:00:20,410
[Customer] Hi, Emily. I've been having trouble
receiving notification emails.

3
00:00:23,000 --> 00:00:25,000
[CSR] Let me check.
"""

VTT = """WEBVTT

00:00:01.000 --> 00:00:03.500
<v Agent>Bonjour, Julie à l'appareil.</v>

00:00:04.000 --> 00:00:05.000
<v Client>Bonjour.
"""


def test_srt_with_bracket_tags(tmp_path: Path):
    path = tmp_path / "call.srt"
    path.write_text(SRT, encoding="utf-8")
    t = load_transcript(path)
    assert [turn.speaker for turn in t.turns] == ["agent", "customer", "agent"]
    assert t.turns[1].text == "Hi, Emily. I've been having trouble receiving notification emails."
    assert t.turns[0].start == pytest.approx(3.453)
    assert t.language == "en"
    assert t.gaps == (Gap(20.41, 23.0),)


def test_vtt_with_voice_tags(tmp_path: Path):
    path = tmp_path / "call.vtt"
    path.write_text(VTT, encoding="utf-8")
    t = load_transcript(path)
    assert [(x.speaker, x.text) for x in t.turns] == [
        ("agent", "Bonjour, Julie à l'appareil."), ("customer", "Bonjour.")]
    assert t.language == "fr"


def test_unknown_tags_are_kept_for_role_assignment(tmp_path: Path):
    path = tmp_path / "call.srt"
    path.write_text("1\n00:00:00,000 --> 00:00:01,000\nSPEAKER_00: hello\n", encoding="utf-8")
    assert load_transcript(path).turns[0].speaker == "SPEAKER_00"


def test_json_roundtrip(tmp_path: Path):
    t = Transcript(turns=(Turn("agent", 0.5, 2.0, "Bonjour"), Turn("customer", 5.0, 6.0, "Oui")),
                   language="fr", duration_s=6.5, gaps=(Gap(2.0, 5.0),))
    path = tmp_path / "t.json"
    path.write_text(json.dumps(to_json_dict(t)), encoding="utf-8")
    back = load_transcript(path)
    assert back.turns == t.turns and back.gaps == t.gaps and back.language == "fr"


@pytest.mark.parametrize("content,match", [
    ("{not json", "not valid JSON"),
    ('{"turns": [{"speaker": "agent"}]}', "expected"),
])
def test_bad_json(tmp_path: Path, content: str, match: str):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TranscriptError, match=match):
        load_transcript(path)


def test_non_utf8(tmp_path: Path):
    path = tmp_path / "latin1.srt"
    path.write_bytes("1\n00:00:00,000 --> 00:00:01,000\n[Agent] Créé\n".encode("latin-1"))
    with pytest.raises(TranscriptError, match="UTF-8"):
        load_transcript(path)


def test_gaps_from_turns_uses_the_union_of_overlapping_turns():
    turns = [Turn("agent", 0, 5, "a"), Turn("customer", 1, 2, "b"), Turn("customer", 8, 9, "c")]
    assert gaps_from_turns(turns) == (Gap(5, 8),)


def test_exports():
    t = Transcript(turns=(Turn("agent", 1.0, 2.5, "Bonjour"),), language="fr")
    assert "00:00:01,000 --> 00:00:02,500\n[agent] Bonjour" in to_srt(t)
    assert to_vtt(t).startswith("WEBVTT") and "<v agent>Bonjour" in to_vtt(t)
    assert to_rttm(t, "my call") == "SPEAKER my_call 1 1.000 1.500 <NA> <NA> agent <NA> <NA>\n"
