"""Privacy: a run makes no network connection, and reports carry no path of the operator's
machine (only file names and relative links)."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.analysis import AnalysisOptions, analyse
from pipeline.cli import app
from pipeline.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_calls" / "audio" / "fr_energy_inbound.wav"
FORMATS = ("json", "html", "md", "srt", "vtt", "rttm")

CALL = {
    "language": "fr",
    "turns": [
        {"speaker": "agent", "start": 0.5, "end": 3.0,
         "text": "Bonjour, Énergie Plus, Claire Martin à votre écoute."},
        {"speaker": "customer", "start": 3.5, "end": 6.0,
         "text": "Bonjour. Ma dernière facture est beaucoup trop chère !"},
        {"speaker": "agent", "start": 6.5, "end": 9.0,
         "text": "Quel est votre numéro client, s'il vous plaît ?"},
        {"speaker": "customer", "start": 9.5, "end": 11.0, "text": "Le 412 308."},
        {"speaker": "agent", "start": 11.5, "end": 14.0,
         "text": "Merci de votre appel, et bonne journée."},
    ],
}


class NetworkUsed(AssertionError):
    """Raised in place of any network connection."""


@pytest.fixture
def no_network(monkeypatch) -> list:
    """Every attempt to reach the network fails the run (and is recorded, in case a library
    swallowed the error).

    It guards this process only: `callqa score` scores in spawned worker processes, so for
    the CLI it covers reading, caching and writing; `analyse` run here covers the stages.
    """
    attempts: list = []
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guarded(original):
        def attempt(sock, address, *args):
            # Local IPC (a Unix socket) is no network.
            if sock.family == getattr(socket, "AF_UNIX", None):
                return original(sock, address, *args)
            attempts.append(address)
            raise NetworkUsed(f"network connection attempted to {address!r}")
        return attempt

    def refuse(address, *args, **kwargs):
        attempts.append(address)
        raise NetworkUsed(f"network connection attempted to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded(connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guarded(connect_ex))
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


def test_the_guard_refuses_connections(no_network):
    with pytest.raises(NetworkUsed):
        socket.create_connection(("example.org", 80), timeout=1)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s, pytest.raises(NetworkUsed):
        s.connect(("127.0.0.1", 9))
    assert len(no_network) == 2


def test_transcript_run_makes_no_connection(no_network, tmp_path: Path):
    path = tmp_path / "call.json"
    path.write_text(json.dumps(CALL), encoding="utf-8")
    report = analyse(path, rubric=load_rubric("core"), options=AnalysisOptions())
    assert report.scorecard.criteria and no_network == []


@pytest.mark.slow
def test_real_run_makes_no_connection(no_network):
    """Whisper (from the local cache), VAD, diarisation and scoring with sockets blocked."""
    report = analyse(SAMPLE, rubric=load_rubric("core"), options=AnalysisOptions())
    assert report.transcript.turns and report.scorecard.criteria
    assert no_network == []


def _machine_paths(tmp_path: Path) -> list[str]:
    paths = {str(tmp_path), str(tmp_path.resolve()), str(Path.home()), str(ROOT),
             str(ROOT.resolve())}
    return sorted(p for p in paths if len(p) > 1)


def _without_data_uris(text: str) -> str:
    # The call page embeds a small recording as base64, whose alphabet holds "/" and letters:
    # a path could appear in it by chance.
    return re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "data:…", text)


def _leaks(out: Path, tmp_path: Path) -> dict[str, list[str]]:
    found = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        # Bytes decoded leniently: a binary file (a results database) is checked too.
        text = _without_data_uris(path.read_bytes().decode("utf-8", "replace"))
        hits = [p for p in _machine_paths(tmp_path) if p in text]
        if hits:
            found[path.name] = hits
    return found


def test_reports_of_a_transcript_carry_no_absolute_path(no_network, tmp_path: Path):
    source = tmp_path / "in" / "call.json"
    source.parent.mkdir()
    source.write_text(json.dumps(CALL), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["score", str(source), "--out", str(out),
                                      "--format", ",".join(FORMATS)])
    assert result.exit_code == 0, result.output
    assert {p.suffix[1:] for p in out.glob("call.*")} == set(FORMATS)
    assert _leaks(out, tmp_path) == {}


@pytest.mark.slow
def test_reports_of_a_recording_carry_no_absolute_path(no_network, tmp_path: Path):
    out = tmp_path / "reports"
    result = CliRunner().invoke(app, ["score", str(SAMPLE), "--out", str(out),
                                      "--format", ",".join(FORMATS)])
    assert result.exit_code == 0, result.output
    assert {p.suffix[1:] for p in out.glob(f"{SAMPLE.stem}.*")} == set(FORMATS)
    report = json.loads((out / f"{SAMPLE.stem}.json").read_text(encoding="utf-8"))
    assert report["source"] == SAMPLE.name and report["model"] == "base"
    assert _leaks(out, tmp_path) == {}
    assert no_network == []
