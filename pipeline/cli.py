"""The `callqa` command line: parse, call the library, print.  Nothing else lives here."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.analysis import AnalysisOptions
from pipeline.batch import Progress as BatchProgress
from pipeline.batch import run_batch
from pipeline.errors import CallQAError
from pipeline.outputs import FORMATS
from pipeline.rubric import load_rubric

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Score recorded call-centre calls against a quality rubric, offline.")
err = Console(stderr=True)
out = Console()


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each stage.")) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


@app.command()
def score(
    inputs: List[Path] = typer.Argument(..., help="Audio files, transcripts (.json/.srt/.vtt) or folders."),
    out_dir: Path = typer.Option(Path("reports"), "--out", "-o", help="Folder for the reports."),
    rubric: str = typer.Option("core", help="Rubric id (see rubrics/) or path to a rubric YAML."),
    language: str = typer.Option("auto", help="auto, fr, nl or en."),
    agent_channel: str = typer.Option("auto", help="Stereo: auto, 0 or 1."),
    model: str = typer.Option("base", help="Whisper model name or CTranslate2 directory."),
    fmt: str = typer.Option("json", "--format", help=f"Comma-separated: {', '.join(FORMATS)}."),
    report_language: Optional[str] = typer.Option(None, help="fr, nl or en (default: the call's)."),
    threads: int = typer.Option(0, help="CPU threads for Whisper (0 = all cores)."),
) -> None:
    """Score calls and write one report per call into --out."""
    if language not in ("auto", "fr", "nl", "en"):
        _fail(f"--language must be auto, fr, nl or en (got {language!r})")
    if agent_channel not in ("auto", "0", "1"):
        _fail(f"--agent-channel must be auto, 0 or 1 (got {agent_channel!r})")
    if report_language not in (None, "fr", "nl", "en"):
        _fail(f"--report-language must be fr, nl or en (got {report_language!r})")
    formats = tuple(f.strip().lower() for f in fmt.split(",") if f.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        _fail(f"unknown --format {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    try:
        # The rubric is checked before any audio is touched: a typo must not cost a batch.
        loaded = load_rubric(rubric)
    except CallQAError as exc:
        _fail(str(exc))
    options = AnalysisOptions(model=model, language=language, agent_channel=agent_channel,
                              cpu_threads=threads, report_language=report_language)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[audio]}"), TimeElapsedColumn(),
                  console=err, transient=False) as bar:
        task = bar.add_task("scoring", total=None, audio="")

        def on_progress(p: BatchProgress) -> None:
            bar.update(task, total=p.total, completed=p.done,
                       description=f"scoring {p.current[:40]}" if p.current else "done",
                       audio=f"{p.audio_s_done / 60:.1f} min audio")

        result = run_batch(list(inputs), out_dir=out_dir, rubric=loaded, options=options,
                           formats=formats, on_progress=on_progress)
    for s in result.scored:
        out.print(f"{s.call_id}\t{s.score:5.1f}\t{s.verdict}", highlight=False)
    for f in result.failures:
        err.print(f"[red]FAILED[/red] {f.source}: {f.reason}", highlight=False)
    out.print(f"{len(result.scored)} scored, {len(result.failures)} failed -> {out_dir}",
              highlight=False)
    if result.failures:
        raise typer.Exit(1)
