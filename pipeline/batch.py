"""Scoring many calls: find the inputs, skip those already scored, score the others in worker
processes (or on a Dask cluster), write each report as it arrives, keep going when one fails.

Workers only compute: every file is written here, in the parent, so the reports folder (which
is also the cache, see `cache`) looks the same whichever executor scored the calls.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Mapping

from pipeline.analysis import TRANSCRIPT_SUFFIXES, AnalysisOptions, analyse
from pipeline.audio import AUDIO_SUFFIXES, shown_name
from pipeline.cache import CacheKey, cache_key, cached_report, model_identity
from pipeline.errors import CallQAError, Failure
from pipeline.executor import Lost, open_executor
from pipeline.outputs import remove_partial_writes, render_report, write_rendered, write_summary
from pipeline.redact import redact_report
from pipeline.report.json_report import to_dict
from pipeline.report.summary import AgentSource, build_summary
from pipeline.rubric import Rubric
from pipeline.store import ResultsStore, StoreError, recording_date

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scored:
    call_id: str
    source: str
    score: float
    verdict: str
    duration_s: float
    cached: bool = False        # its report was up to date: not scored again


@dataclass(frozen=True)
class BatchResult:
    scored: tuple[Scored, ...]
    failures: tuple[Failure, ...]


@dataclass(frozen=True)
class Progress:
    done: int                   # calls finished: scored, up to date or failed
    total: int
    current: str                # the call that just finished ("" when none)
    audio_s_done: float
    cached: int = 0             # of `done`, the calls whose report was up to date
    elapsed_s: float = 0.0      # since scoring began (after the cache check)

    @property
    def eta_s(self) -> float | None:
        """Seconds left, from the pace of the calls scored so far (cache hits cost nothing,
        so they are left out of the pace)."""
        if self.done >= self.total:
            return 0.0
        worked = self.done - self.cached
        return self.elapsed_s / worked * (self.total - self.done) if worked > 0 else None


@dataclass(frozen=True)
class BatchOptions:
    workers: int = 0            # processes scoring at once; 0 = one per CPU core
    executor: str = "local"     # local | dask
    scheduler: str | None = None  # dask: tcp://host:8786; None = a Dask cluster started here
    force: bool = False         # score again even the calls whose report is up to date


class BatchInterrupted(CallQAError):
    """The run was stopped (Ctrl-C, SIGTERM); the reports written so far are complete."""

    def __init__(self, *, done: int, total: int) -> None:
        super().__init__(f"interrupted: {done} of {total} calls done; "
                         "run the same command again to finish")
        self.done, self.total = done, total


@dataclass(frozen=True)
class Job:
    """One call to score, as sent to a worker.  Paths are absolute: a Dask worker does not
    share the parent's working directory."""

    path: Path
    call_id: str
    rubric: Rubric
    options: AnalysisOptions
    formats: tuple[str, ...]
    out_dir: Path


@dataclass(frozen=True)
class Outcome:
    """What a worker sends back: the rendered files and the report JSON, or why it failed."""

    files: Mapping[str, str] = field(default_factory=dict)
    data: Mapping | None = None
    failure: str | None = None


def cpu_cores() -> int:
    """The cores this process may use (a container or taskset may allow fewer than exist)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:      # not on Linux
        return os.cpu_count() or 1


def discover(inputs: list[Path]) -> tuple[list[Path], list[Failure]]:
    """Files to score: audio and transcripts, folders searched recursively.

    In a folder, a transcript whose recording sits beside it (same stem) is skipped: the
    recording is scored instead.
    """
    found: list[Path] = []
    missing: list[Failure] = []
    for item in inputs:
        if item.is_dir():
            files = sorted(p for p in item.rglob("*") if p.is_file() and not p.name.startswith("."))
            audio_stems = {(p.parent, p.stem) for p in files if p.suffix.lower() in AUDIO_SUFFIXES}
            for p in files:
                suffix = p.suffix.lower()
                if suffix in AUDIO_SUFFIXES or (suffix in TRANSCRIPT_SUFFIXES
                                                and (p.parent, p.stem) not in audio_stems):
                    found.append(p)
        elif item.exists():
            found.append(item)
        else:
            missing.append(Failure(shown_name(item), "no such file or folder; check the path"))
    return list(dict.fromkeys(found)), missing


# Names the batch overview takes in the output folder (summary.html, summary.csv): a call
# recorded as "summary.wav" must not overwrite it.
RESERVED_IDS = frozenset({"summary"})


def call_ids(files: list[Path]) -> list[str]:
    """The report name of each file: its stem, or folder_stem for a second file of the same
    name (or for a stem the batch overview uses).  Decided up front, in input order, so that a
    re-run finds the same names whatever order the calls finished in."""
    ids: list[str] = []
    for path in files:
        # Printable names: bytes that are not UTF-8 cannot go into a report file.
        stem, folder = Path(shown_name(path)).stem, shown_name(path.parent)
        call_id, n = stem, 1
        while call_id in ids or call_id.lower() in RESERVED_IDS:
            n += 1
            call_id = f"{folder}_{stem}" + (f"_{n - 1}" if n > 2 else "")
        ids.append(call_id)
    return ids


def score_call(job: Job) -> Outcome:
    """Score one call and render its files (runs in a worker process).  Never raises: a
    failure is part of the outcome, so one bad file costs only itself."""
    try:
        report = replace(analyse(job.path, rubric=job.rubric, options=job.options),
                         call_id=job.call_id)
        audio = job.path if job.path.suffix.lower() in AUDIO_SUFFIXES else None
        if job.options.redact:
            # The voice is personal data too: a redacted page neither embeds nor links it.
            report, audio = redact_report(report), None
        files = render_report(report, job.out_dir, job.formats,
                              language=job.options.report_language, audio=audio)
        return Outcome(files=files, data=to_dict(report))
    except CallQAError as exc:
        return Outcome(failure=str(exc))
    except Exception as exc:  # a bug on one file must not lose the batch
        log.debug("internal error on %s", job.path.name, exc_info=True)
        return Outcome(failure=f"internal error ({type(exc).__name__}: {str(exc)[:200]}); "
                               "please report it")


def run_batch(inputs: list[Path], *, out_dir: Path, rubric: Rubric, options: AnalysisOptions,
              formats: tuple[str, ...], batch: BatchOptions = BatchOptions(),
              on_progress: Callable[[Progress], None] | None = None) -> BatchResult:
    """Score every input into `out_dir`; one bad file never stops the others.

    A call whose report in `out_dir` was made from the same file and settings is not scored
    again (unless `batch.force`).  Raises BatchInterrupted on Ctrl-C (or a SIGTERM the caller
    turned into KeyboardInterrupt), after stopping the workers.
    """
    files, missing = discover(inputs)
    tally = _Tally(files=files, ids=call_ids(files), on_progress=on_progress)
    try:
        # Temporary files of a run killed mid-write: the call they belonged to has no JSON
        # yet, so it is scored again below.
        if remove_partial_writes(out_dir):
            log.info("removed the unfinished files of an interrupted run in %s", out_dir)
        tally.report("")
        keys = _check_cache(tally, out_dir=out_dir, rubric=rubric, options=options,
                            formats=formats, force=batch.force)
        tally.start_scoring()
        per_call, done = _per_call(options, batch), tally.done
        jobs = {i: Job(files[i].absolute(), tally.ids[i], rubric, per_call, formats,
                       out_dir.absolute()) for i in sorted(keys) if i not in done}
        with ResultsStore(out_dir) as store:
            _store_missing(store, tally)
            if jobs:
                _score_jobs(jobs, tally, keys, store, out_dir=out_dir, batch=batch)
        overview = _write_overview(tally, out_dir, language=options.report_language)
    except KeyboardInterrupt:
        raise BatchInterrupted(done=len(tally.scored), total=len(files)) from None
    failures = missing + [tally.failed[i] for i in sorted(tally.failed)] + overview
    return BatchResult(tuple(tally.scored[i] for i in sorted(tally.scored)), tuple(failures))


def _score_jobs(jobs: dict[int, Job], tally: "_Tally", keys: dict[int, CacheKey],
                store: ResultsStore, *, out_dir: Path, batch: BatchOptions) -> None:
    """Score the jobs on the executor; write each report as it arrives, then store it."""
    index = {job.call_id: i for i, job in jobs.items()}     # call ids are unique
    with open_executor(batch.executor, workers=_workers(batch),
                       scheduler=batch.scheduler) as executor:
        for job, outcome in executor.run(score_call, list(jobs.values())):
            i = index[job.call_id]
            if isinstance(outcome, Lost):
                tally.fail(i, outcome.reason)
            elif outcome.failure is not None:
                tally.fail(i, outcome.failure)
            else:
                data = {**outcome.data, "input_sha256": keys[i].input_sha256,
                        "cache_key": keys[i].key}
                try:
                    write_rendered(out_dir, job.call_id, outcome.files, data)
                except OSError as exc:
                    tally.fail(i, f"report not written ({exc}); check the --out folder")
                    continue
                _store(store, tally, i, data)
                tally.add(i, data, cached=False)


def _store_missing(store: ResultsStore, tally: "_Tally") -> None:
    """Up-to-date reports the store lacks (a folder scored before the store existed)."""
    known = store.call_ids()
    for i, data in tally.rows.items():
        if tally.ids[i] not in known:
            _store(store, tally, i, data)


def _store(store: ResultsStore, tally: "_Tally", i: int, data: Mapping) -> None:
    """Add one report to the results store, in the parent (its only writer).  The JSON is
    written already: a store problem is logged, it does not fail the call."""
    path = tally.files[i]
    try:
        store.add(data, agent=AgentSource().agent_of(tally.ids[i]) or None,
                  call_date=recording_date(path) if path.suffix.lower() in AUDIO_SUFFIXES
                  else None)
    except (StoreError, OSError) as exc:
        log.warning("%s not added to the results store: %s", tally.ids[i], exc)


@dataclass
class _Tally:
    """The run so far, by input index; tells the caller's progress callback of each step."""

    files: list[Path]
    ids: list[str]
    on_progress: Callable[[Progress], None] | None
    rows: dict[int, Mapping] = field(default_factory=dict)   # report JSON, for the overview
    scored: dict[int, Scored] = field(default_factory=dict)
    failed: dict[int, Failure] = field(default_factory=dict)
    audio_s: float = 0.0
    cached: int = 0
    started: float | None = None

    @property
    def done(self) -> set[int]:
        return self.scored.keys() | self.failed.keys()

    def add(self, i: int, data: Mapping, *, cached: bool) -> None:
        duration = float(data.get("duration_s", 0.0))
        self.rows[i] = data
        self.audio_s += duration
        self.cached += cached
        self.scored[i] = Scored(self.ids[i], shown_name(self.files[i]), float(data["score"]),
                                str(data["verdict"]), duration, cached=cached)
        if not cached:
            self.report(self.ids[i])

    def fail(self, i: int, reason: str) -> None:
        self.failed[i] = Failure(shown_name(self.files[i]), reason)
        self.report(self.ids[i])

    def start_scoring(self) -> None:
        self.started = time.perf_counter()
        self.report("")

    def report(self, current: str) -> None:
        if self.on_progress:
            elapsed = time.perf_counter() - self.started if self.started else 0.0
            self.on_progress(Progress(len(self.scored) + len(self.failed), len(self.files),
                                      current, self.audio_s, cached=self.cached,
                                      elapsed_s=elapsed))


def _check_cache(tally: _Tally, *, out_dir: Path, rubric: Rubric, options: AnalysisOptions,
                 formats: tuple[str, ...], force: bool) -> dict[int, CacheKey]:
    """Every readable input's cache key; the calls whose report is up to date go into the
    tally as cache hits (the others are left to score)."""
    audio = [p.suffix.lower() in AUDIO_SUFFIXES for p in tally.files]
    model_id = model_identity(options.model) if any(audio) else ""
    keys: dict[int, CacheKey] = {}
    for i, path in enumerate(tally.files):
        try:
            keys[i] = cache_key(path, audio=audio[i], rubric=rubric, options=options,
                                model_id=model_id)
        except OSError as exc:
            tally.fail(i, f"cannot read the file ({exc.strerror}); check it is readable")
            continue
        if force:
            continue
        call_id = tally.ids[i]
        # A report lacking a requested format (say --format html added) is made again.
        others = tuple(out_dir / f"{call_id}.{fmt}" for fmt in formats if fmt != "json")
        data = cached_report(out_dir / f"{call_id}.json", keys[i], also=others)
        if data is not None:
            tally.add(i, data, cached=True)
    return keys


def _write_overview(tally: _Tally, out_dir: Path, *, language: str | None) -> list[Failure]:
    """The batch overview of exactly the calls of this run, those scored by an earlier run
    included (a coach looks at a batch as a whole).  Returns its failure, if any."""
    if len(tally.rows) < 2:
        return []
    try:
        write_summary(build_summary([tally.rows[i] for i in sorted(tally.rows)],
                                    language=language), out_dir)
    except Exception as exc:  # the call reports are written; do not lose the run over it
        log.debug("batch overview failed", exc_info=True)
        return [Failure("summary.html", f"batch overview not written "
                                        f"({type(exc).__name__}: {str(exc)[:200]})")]
    return []


def _workers(batch: BatchOptions) -> int:
    return batch.workers or cpu_cores()


def _per_call(options: AnalysisOptions, batch: BatchOptions) -> AnalysisOptions:
    """Share this machine's cores among the calls scored at once, unless the user chose.
    On a remote Dask cluster this machine's cores say nothing: CTranslate2's default."""
    if options.cpu_threads or batch.scheduler:
        return options
    return replace(options, cpu_threads=max(1, cpu_cores() // _workers(batch)))
