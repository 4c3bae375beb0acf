"""Batch scoring at scale on transcripts (no Whisper): the report cache, worker processes that
die, runs killed and resumed for real (SIGKILL, SIGTERM, SIGINT on a `callqa score`
subprocess), and a Dask cluster giving the same reports as local processes."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from pipeline.analysis import AnalysisOptions
from pipeline.batch import BatchOptions, Progress, call_ids, run_batch
from pipeline.cache import cache_key, cached_report
from pipeline.executor import LocalExecutor, Lost
from pipeline.outputs import remove_partial_writes
from pipeline.rubric import load_rubric

TRUTH = Path(__file__).resolve().parent.parent / "sample_calls" / "truth"
CALLS = ("en_broadband_support", "fr_bank", "fr_energy_inbound", "nl_parcel_delivery")


@pytest.fixture(scope="module")
def rubric():
    return load_rubric("core")


def transcripts(folder: Path, *, repeat: int = 1) -> Path:
    """The sample calls' reference transcripts as transcript inputs; `repeat` chains each call
    that many times into one long call, so that it takes a while to score."""
    folder.mkdir(parents=True, exist_ok=True)
    for call_id in CALLS:
        truth = json.loads((TRUTH / f"{call_id}.json").read_text(encoding="utf-8"))
        turns = [{"speaker": t["speaker"], "start": round(t["start"] + k * truth["duration_s"], 3),
                  "end": round(t["end"] + k * truth["duration_s"], 3), "text": t["text"]}
                 for k in range(repeat) for t in truth["turns"]]
        (folder / f"{call_id}.json").write_text(
            json.dumps({"language": truth["language"], "turns": turns}), encoding="utf-8")
    return folder


def reports(out: Path) -> dict[str, dict]:
    found = {}
    for path in sorted(out.glob("*.json")):
        found[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return found


def without_timings(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "timings_s"}


# ---------------------------------------------------------------------------------------------
# The cache


def test_rerun_skips_up_to_date_calls_and_force_scores_them_again(tmp_path: Path, rubric):
    inputs = transcripts(tmp_path / "in")
    out = tmp_path / "out"
    options = AnalysisOptions()
    first = run_batch([inputs], out_dir=out, rubric=rubric, options=options,
                      formats=("json", "md"), batch=BatchOptions(workers=2))
    assert not first.failures and len(first.scored) == 4
    assert not any(s.cached for s in first.scored)
    written = reports(out)
    for call_id, report in written.items():
        assert re.fullmatch(r"[0-9a-f]{64}", report["cache_key"])
        assert report["input_sha256"] == hashlib.sha256(
            (inputs / f"{call_id}.json").read_bytes()).hexdigest()
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}

    # Nothing changed: nothing scored, nothing rewritten but the overview of all four calls.
    (out / "summary.csv").unlink()
    (out / ".fr_bank.json.0123456789ab.part").write_text('{"trunc')   # a killed run's leftover
    again = run_batch([inputs], out_dir=out, rubric=rubric, options=options,
                      formats=("json", "md"), batch=BatchOptions(workers=2))
    assert [s.cached for s in again.scored] == [True] * 4 and not again.failures
    assert [s.score for s in again.scored] == [s.score for s in first.scored]
    assert all((out / n).stat().st_mtime_ns == t for n, t in stamps.items() if "summary" not in n)
    with open(out / "summary.csv", encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 4
    assert not list(out.glob(".*.part"))

    # An edited input, a setting that changes the report, a format not written yet, --force.
    edited = inputs / "fr_bank.json"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Bonjour", "Bonsoir", 1),
                      encoding="utf-8")
    changed = run_batch([inputs], out_dir=out, rubric=rubric, options=options,
                        formats=("json", "md"), batch=BatchOptions(workers=1))
    assert {s.call_id for s in changed.scored if not s.cached} == {"fr_bank"}
    more = run_batch([inputs / "fr_energy_inbound.json", inputs / "nl_parcel_delivery.json"],
                     out_dir=out, rubric=rubric, options=dataclasses.replace(options, min_gap_s=3.0),
                     formats=("json", "md", "srt"), batch=BatchOptions(workers=1))
    assert not any(s.cached for s in more.scored)
    forced = run_batch([inputs], out_dir=out, rubric=rubric, options=options,
                       formats=("json",), batch=BatchOptions(workers=2, force=True))
    assert not any(s.cached for s in forced.scored) and len(forced.scored) == 4


def test_cache_key_covers_every_option_but_threads(tmp_path: Path, rubric):
    call = transcripts(tmp_path) / "fr_bank.json"
    audio = TRUTH.parent / "audio" / "fr_bank.wav"
    base = AnalysisOptions()

    def key(path=call, *, is_audio=False, options=base, model_id="base:abc", used=rubric):
        return cache_key(path, audio=is_audio, rubric=used, options=options,
                         model_id=model_id).key

    # Every field, present and future (a `redact` flag, ...), is in the key; threads are not.
    # (`model` enters through `model_id`, below.)
    change = {bool: lambda v: not v, int: lambda v: v + 3, float: lambda v: v + 1.5,
              str: lambda v: v + "x", type(None): lambda v: "en"}
    for option in dataclasses.fields(AnalysisOptions):
        if option.name == "model":
            continue
        value = getattr(base, option.name)
        changed = key(options=dataclasses.replace(base, **{option.name: change[type(value)](value)}))
        assert (changed == key()) == (option.name == "cpu_threads"), option.name
    # The model only matters to a recording: a transcript never meets it.
    assert key(model_id="base:def") == key()
    assert key(audio, is_audio=True, model_id="base:def") != key(audio, is_audio=True)
    bumped = rubric.model_copy(update={"version": rubric.version + ".1"})
    assert key(used=bumped) != key()
    reweighted = rubric.model_copy(update={"pass_mark": rubric.pass_mark - 1})
    assert key(used=reweighted) != key()  # an edit without a new version still counts


def test_cached_report_needs_the_same_key_and_every_requested_file(tmp_path: Path, rubric):
    call = transcripts(tmp_path / "in") / "fr_bank.json"
    key = cache_key(call, audio=False, rubric=rubric, options=AnalysisOptions(), model_id="")
    report = tmp_path / "fr_bank.json"
    assert cached_report(report, key) is None
    report.write_text(json.dumps({"cache_key": key.key, "score": 50}))
    assert cached_report(report, key) == {"cache_key": key.key, "score": 50}
    assert cached_report(report, key, also=(tmp_path / "fr_bank.html",)) is None
    report.write_text(json.dumps({"cache_key": "older", "score": 50}))
    assert cached_report(report, key) is None
    report.write_text('{"cache_key": "')          # truncated by hand: scored again
    assert cached_report(report, key) is None


def test_partial_writes_are_removed_and_nothing_else(tmp_path: Path):
    (tmp_path / ".a.json.0123456789ab.part").write_text("x")
    (tmp_path / ".a.html.ffffffffffff.part").write_text("x")
    (tmp_path / ".notes.part").write_text("keep: not ours")
    (tmp_path / "a.json").write_text("{}")
    assert remove_partial_writes(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [".notes.part", "a.json"]
    assert remove_partial_writes(tmp_path / "absent") == 0


def test_call_ids_are_decided_in_input_order():
    files = [Path("a/x.json"), Path("b/x.json"), Path("c/y.wav"), Path("b/x.wav")]
    assert call_ids(files) == ["x", "b_x", "y", "b_x_2"]


def test_a_call_named_like_the_batch_overview_gets_another_name():
    files = [Path("calls/summary.wav"), Path("calls/Summary.mp3"), Path("calls/a.wav")]
    assert call_ids(files) == ["calls_summary", "calls_Summary", "a"]


def test_eta_comes_from_the_calls_scored_not_the_cache_hits():
    assert Progress(5, 10, "", 0.0, cached=5, elapsed_s=0.0).eta_s is None
    assert Progress(7, 10, "", 0.0, cached=5, elapsed_s=20.0).eta_s == pytest.approx(30.0)
    assert Progress(10, 10, "", 0.0, cached=5, elapsed_s=50.0).eta_s == 0.0


# ---------------------------------------------------------------------------------------------
# Worker processes that die


def square_or_die(x: int) -> int:
    """Dies the way a process killed by the OS dies, on 3."""
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.2)
    return x * x


def test_a_worker_killed_loses_only_its_own_job():
    with LocalExecutor(workers=2) as executor:
        results = dict(executor.run(square_or_die, range(7)))
    assert isinstance(results.pop(3), Lost)
    assert results == {x: x * x for x in (0, 1, 2, 4, 5, 6)}


# ---------------------------------------------------------------------------------------------
# `callqa score` killed and run again, for real


def callqa(*args: str) -> list[str]:
    script = Path(sys.executable).parent / "callqa"
    entry = [str(script)] if script.exists() else [sys.executable, "-c",
                                                    "from pipeline.cli import app; app()"]
    return [*entry, *args]


def start_scoring(inputs: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(callqa("score", str(inputs), "--out", str(out), "--format",
                                   "json,html", "--workers", "1", *extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_report(out: Path, run: subprocess.Popen, *, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not list(out.glob("*.json")):
        assert run.poll() is None, run.communicate()
        assert time.monotonic() < deadline, "no report written in time"
        time.sleep(0.02)


def worker_processes(pid: int) -> list[psutil.Process]:
    """The pool's worker processes of a `callqa score` (not its multiprocessing helpers)."""
    return [p for p in psutil.Process(pid).children()
            if "spawn_main" in " ".join(p.cmdline())]


def gone(processes: list[psutil.Process], *, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = []
        for p in processes:
            try:
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
            except psutil.NoSuchProcess:
                pass
        if not alive:
            return True
        time.sleep(0.1)
    return False


def finish_and_check(inputs: Path, out: Path, before: dict[str, int]) -> None:
    """Run the same command again: every call's report present exactly once, whole, and the
    reports written before the kill kept as they were (cache hits)."""
    rerun = subprocess.run(callqa("score", str(inputs), "--out", str(out), "--format",
                                  "json,html", "--workers", "1"),
                           capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert not list(out.glob(".*.part"))
    found = reports(out)
    assert sorted(found) == sorted(CALLS)
    assert sorted(p.name for p in out.glob("*.html")) == sorted(
        [f"{c}.html" for c in CALLS] + ["summary.html"])
    for call_id, report in found.items():
        assert report["call_id"] == call_id and report["cache_key"]
    for name, stamp in before.items():
        assert (out / name).stat().st_mtime_ns == stamp, f"{name} was scored again"
        assert re.search(rf"^{Path(name).stem}\t.*\tup to date$", rerun.stdout, re.M)
    assert f"{len(CALLS) - len(before)} scored, {len(before)} up to date, 0 failed" in rerun.stdout
    with open(out / "summary.csv", encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == len(CALLS)


def test_killed_run_resumes_with_every_report_once(tmp_path: Path):
    inputs, out = transcripts(tmp_path / "in", repeat=12), tmp_path / "out"
    run = start_scoring(inputs, out)
    try:
        wait_for_report(out, run)
        family = psutil.Process(run.pid).children(recursive=True)
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
        run.communicate()
    # Orphaned workers notice and leave, rather than score for no one.
    assert family and gone(family)
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    assert 0 < len(before) < len(CALLS), "the run finished before it was killed"
    finish_and_check(inputs, out, before)


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_stopped_run_exits_cleanly_and_resumes(tmp_path: Path, signum: int, code: int):
    inputs, out = transcripts(tmp_path / "in", repeat=12), tmp_path / "out"
    run = start_scoring(inputs, out)
    try:
        wait_for_report(out, run)
        workers = worker_processes(run.pid)
        run.send_signal(signum)
        stdout, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert run.returncode == code, stdout + stderr
    done = re.search(r"interrupted: (\d) of 4 calls done; run the same command again to finish",
                     stderr)
    assert done, stderr
    assert "Traceback" not in stderr
    assert workers and gone(workers, timeout=1)   # the workers were stopped before the exit
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    assert len(before) == int(done.group(1)) and 0 < len(before) < len(CALLS)
    finish_and_check(inputs, out, before)


def test_a_worker_killed_by_the_os_fails_that_call_only(tmp_path: Path):
    inputs, out = transcripts(tmp_path / "in", repeat=12), tmp_path / "out"
    run = start_scoring(inputs, out)
    try:
        wait_for_report(out, run)
        workers = worker_processes(run.pid)
        assert len(workers) == 1
        workers[0].kill()
        stdout, stderr = run.communicate(timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert run.returncode == 1, stdout + stderr
    # The signal is named when the pool still knew its dead worker's exit code; once the pool
    # has dropped its process table (a race with its manager thread) the reason stays general.
    failed = re.findall(r"FAILED (\S+): the worker process scoring it died \(killed by the OS",
                        stderr)
    assert len(failed) == 1, stderr
    assert sorted(reports(out)) == sorted(c for c in CALLS if f"{c}.json" != failed[0])


# ---------------------------------------------------------------------------------------------
# Dask


def test_dask_cluster_gives_the_same_reports_as_local_processes(tmp_path: Path, rubric):
    pytest.importorskip("distributed")
    inputs = transcripts(tmp_path / "in")
    results = {}
    for executor in ("local", "dask"):
        out = tmp_path / executor
        result = run_batch([inputs], out_dir=out, rubric=rubric, options=AnalysisOptions(),
                           formats=("json", "md"),
                           batch=BatchOptions(workers=2, executor=executor))
        assert not result.failures and len(result.scored) == len(CALLS)
        results[executor] = {k: without_timings(v) for k, v in reports(out).items()}
        assert (out / "summary.csv").exists()
    assert results["dask"] == results["local"]
    for call_id in CALLS:
        assert ((tmp_path / "dask" / f"{call_id}.md").read_text(encoding="utf-8")
                == (tmp_path / "local" / f"{call_id}.md").read_text(encoding="utf-8"))


def test_every_report_goes_into_the_results_store_once(tmp_path: Path, rubric):
    from pipeline.store import ResultsStore

    inputs, out = transcripts(tmp_path / "in"), tmp_path / "out"
    options = AnalysisOptions()
    run_batch([inputs], out_dir=out, rubric=rubric, options=options, formats=("json",),
              batch=BatchOptions(workers=1))
    (out / "callqa.sqlite").unlink()     # a folder scored before the store existed ...
    run_batch([inputs], out_dir=out, rubric=rubric, options=options, formats=("json",),
              batch=BatchOptions(workers=1))
    with ResultsStore(out) as store:     # ... gets its up-to-date reports stored on a re-run
        assert store.call_ids() == set(CALLS)
        rows = store.connection.execute("SELECT COUNT(*) FROM criteria").fetchone()[0]
    assert rows == len(CALLS) * len(rubric.criteria)


def test_redact_masks_personal_data_in_every_written_file(tmp_path: Path, rubric):
    inputs, out = transcripts(tmp_path / "in"), tmp_path / "out"
    result = run_batch([inputs / "fr_bank.json"], out_dir=out, rubric=rubric,
                       options=AnalysisOptions(redact=True), formats=("json", "html", "md"),
                       batch=BatchOptions(workers=1))
    assert not result.failures
    for path in out.glob("fr_bank.*"):
        text = path.read_text(encoding="utf-8")
        assert "14 février 1979" not in text, path.name
    report = json.loads((out / "fr_bank.json").read_text(encoding="utf-8"))
    assert "Thomas Girard, je suis né le [DATE]." in [t["text"] for t in report["turns"]]
    truth = json.loads((TRUTH / "fr_bank.json").read_text(encoding="utf-8"))
    # Timestamps are kept: the evidence still points at the same moments of the call.
    assert [(t["start"], t["end"]) for t in report["turns"]] == \
        [(round(t["start"], 2), round(t["end"], 2)) for t in truth["turns"]]
