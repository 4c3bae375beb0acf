"""Scoring many calls: find the inputs, score each, keep going when one fails."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from pipeline.analysis import TRANSCRIPT_SUFFIXES, AnalysisOptions, analyse
from pipeline.audio import AUDIO_SUFFIXES
from pipeline.errors import CallQAError
from pipeline.outputs import write_report, write_summary
from pipeline.report.json_report import to_dict
from pipeline.report.summary import build_summary
from pipeline.rubric import Rubric

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    source: str
    reason: str


@dataclass(frozen=True)
class Scored:
    call_id: str
    source: str
    score: float
    verdict: str
    duration_s: float


@dataclass(frozen=True)
class BatchResult:
    scored: tuple[Scored, ...]
    failures: tuple[Failure, ...]


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    current: str
    audio_s_done: float


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
            missing.append(Failure(item.name, "no such file or folder; check the path"))
    return list(dict.fromkeys(found)), missing


def run_batch(inputs: list[Path], *, out_dir: Path, rubric: Rubric, options: AnalysisOptions,
              formats: tuple[str, ...], on_progress: Callable[[Progress], None] | None = None
              ) -> BatchResult:
    """Score every input into `out_dir`; one bad file never stops the others."""
    files, failures = discover(inputs)
    scored: list[Scored] = []
    rows: list[dict] = []          # the scored calls' report JSON, for the batch overview
    seen_ids: set[str] = set()
    audio_done = 0.0
    for i, path in enumerate(files):
        if on_progress:
            on_progress(Progress(i, len(files), path.name, audio_done))
        try:
            report = analyse(path, rubric=rubric, options=options)
            if report.call_id in seen_ids:
                # Two inputs with the same file name: keep both, named after their folder.
                report = replace(report, call_id=f"{path.parent.name}_{path.stem}")
            seen_ids.add(report.call_id)
            audio = path if path.suffix.lower() in AUDIO_SUFFIXES else None
            write_report(report, out_dir, formats, language=options.report_language, audio=audio)
            rows.append(to_dict(report))
        except CallQAError as exc:
            failures.append(Failure(path.name, str(exc)))
            continue
        except Exception as exc:  # a bug on one file must not lose the batch
            log.debug("internal error on %s", path.name, exc_info=True)
            failures.append(Failure(path.name, f"internal error ({type(exc).__name__}: "
                                               f"{str(exc)[:200]}); please report it"))
            continue
        audio_done += report.duration_s
        scored.append(Scored(report.call_id, path.name, report.scorecard.score,
                             report.scorecard.verdict, report.duration_s))
    if len(rows) > 1:
        # A coach looks at a batch as a whole: the overview of exactly the calls of this run.
        try:
            write_summary(build_summary(rows, language=options.report_language), out_dir)
        except Exception as exc:  # the call reports are written; do not lose the run over it
            log.debug("batch overview failed", exc_info=True)
            failures.append(Failure("summary.html", f"batch overview not written "
                                                    f"({type(exc).__name__}: {str(exc)[:200]})"))
    if on_progress:
        on_progress(Progress(len(files), len(files), "", audio_done))
    return BatchResult(tuple(scored), tuple(failures))

