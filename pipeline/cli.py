"""The `callqa` command line: parse, call the library, print.  Nothing else lives here."""

from __future__ import annotations

import json
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
from pipeline.outputs import FORMATS, write_summary
from pipeline.report.summary import (AGENT_PATTERN, AgentSource, build_summary, load_reports,
                                     read_metadata)
from pipeline.rubric import (REPORT_LANGUAGES, check_rubric, list_rubrics, load_rubric,
                             rubric_json_schema)

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


@app.command()
def summary(
    folder: Path = typer.Argument(..., help="Folder of report JSONs (the --out of `score`)."),
    metadata: Optional[Path] = typer.Option(None, help="CSV with the columns call_id and agent."),
    agent_pattern: str = typer.Option(AGENT_PATTERN, help="Regex finding the agent in a call id "
                                                          "(named group `agent`)."),
    report_language: Optional[str] = typer.Option(None, help="fr, nl or en (default: the "
                                                             "calls' most common language)."),
) -> None:
    """Write the batch overview of FOLDER's reports: summary.html and summary.csv."""
    if report_language not in (None, "fr", "nl", "en"):
        _fail(f"--report-language must be fr, nl or en (got {report_language!r})")
    try:
        agents = AgentSource(pattern=agent_pattern,
                             by_call=read_metadata(metadata) if metadata else {})
        overview = build_summary(load_reports(folder), agents=agents, language=report_language)
        written = write_summary(overview, folder)
    except CallQAError as exc:
        _fail(str(exc))
    out.print(f"{len(overview.rows)} calls, mean score {overview.mean_score:.1f}, "
              f"{100 * overview.ok_rate:.0f}% OK -> {', '.join(str(p) for p in written)}",
              highlight=False)


# ---------------------------------------------------------------------------------------------
# callqa rubric …: the rubric files themselves

rubric_app = typer.Typer(no_args_is_help=True, help="Check and list rubric files.")
app.add_typer(rubric_app, name="rubric")


@rubric_app.command("check")
def rubric_check(path: Path = typer.Argument(..., help="Rubric YAML file (or a bundled id).")
                 ) -> None:
    """Validate a rubric: one line per problem, with its line in the file; exit 1 on any."""
    try:
        rubric, problems = check_rubric(path if path.suffix else str(path),
                                        display_name=str(path))
    except CallQAError as exc:
        _fail(str(exc))
    for problem in problems:
        typer.echo(str(problem))      # plain lines: file:line: … is what editors jump to
    if problems:
        err.print(f"{len(problems)} problem(s) in {path}", highlight=False)
        raise typer.Exit(1)
    typer.echo(f"{path}: ok, rubric {rubric.id!r} version {rubric.version}, "
               f"{len(rubric.criteria)} criteria")


@rubric_app.command("list")
def rubric_list(language: str = typer.Option("en", help="Language of the titles: fr, nl, en.")
                ) -> None:
    """The bundled rubrics: id, version, number of criteria, title."""
    if language not in REPORT_LANGUAGES:
        _fail(f"--language must be fr, nl or en (got {language!r})")
    failed = False
    for rubric_id in list_rubrics():
        rubric, problems = check_rubric(rubric_id)
        if rubric is None:
            failed = True
            typer.echo(f"{rubric_id}\tINVALID\t{problems[0]}", err=True)
            continue
        typer.echo(f"{rubric.id}\t{rubric.version}\t{len(rubric.criteria)} criteria\t"
                   f"{rubric.title.get(language)}")
    if failed:
        raise typer.Exit(1)


@rubric_app.command("schema")
def rubric_schema(out_file: Optional[Path] = typer.Option(
        None, "--out", "-o", help="Write here (e.g. schemas/rubric.schema.json); else print.")
                  ) -> None:
    """The JSON Schema of rubric files, generated from the rubric model."""
    text = json.dumps(rubric_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out_file is None:
        typer.echo(text, nl=False)
    else:
        out_file.write_text(text, encoding="utf-8")
        out.print(f"wrote {out_file}", highlight=False)


@app.command("eval-diarisation")
def eval_diarisation(
    references: List[Path] = typer.Argument(
        ..., help="Reference RTTM files (or SRT/VTT/JSON transcripts with speaker tags)."),
    audio_dir: Optional[Path] = typer.Option(
        None, "--audio", help="Folder of the recordings (default: beside each reference)."),
    hyp: Optional[Path] = typer.Option(
        None, "--hyp", help="Hypothesis RTTM file or folder: score it instead of running the pipeline."),
    save_hyp: Optional[Path] = typer.Option(
        None, "--save-hyp", help="Write the pipeline's hypothesis RTTMs into this folder."),
    collar: float = typer.Option(0.25, help="Seconds not scored either side of a reference boundary."),
    model: str = typer.Option("base", help="Whisper model name or CTranslate2 directory."),
    threads: int = typer.Option(0, help="CPU threads for Whisper (0 = all cores)."),
) -> None:
    """Diarisation error rate and role accuracy against reference RTTMs."""
    from pipeline.der import (evaluate_audio, find_audio, pooled_der, read_hypothesis,
                              read_reference, score, to_rttm)

    options = AnalysisOptions(model=model, cpu_threads=threads)
    scores, failures, asr_s, diar_s = [], 0, 0.0, 0.0
    for ref in references:
        try:
            if hyp is not None:
                result = score(read_reference(ref), read_hypothesis(hyp, ref.stem),
                               call_id=ref.stem, collar_s=collar)
                timing = ""
            else:
                evaluation = evaluate_audio(ref, find_audio(ref, audio_dir), options=options,
                                            collar_s=collar)
                result = evaluation.score
                asr_s += evaluation.timings.get("asr", 0.0)
                diar_s += evaluation.timings.get("diarisation", 0.0)
                timing = (f"\tasr {evaluation.timings.get('asr', 0.0):.1f}s"
                          f"\tdiarisation {evaluation.timings.get('diarisation', 0.0):.2f}s"
                          f"\troles conf {evaluation.role_confidence:.2f}")
                if save_hyp is not None:
                    save_hyp.mkdir(parents=True, exist_ok=True)
                    (save_hyp / f"{ref.stem}.rttm").write_text(
                        to_rttm(evaluation.hypothesis, ref.stem), encoding="utf-8")
        except CallQAError as exc:
            failures += 1
            err.print(f"[red]FAILED[/red] {ref.name}: {exc}", highlight=False)
            continue
        scores.append(result)
        roles = ("-" if result.role_accuracy is None else
                 f"{result.role_accuracy:.0%}{'' if result.roles_right else ' WRONG'}")
        out.print(f"{result.call_id}\tDER {result.der:.2%}\tmiss {result.missed_s:.2f}s"
                  f"\tfa {result.false_alarm_s:.2f}s\tconf {result.confusion_s:.2f}s"
                  f"\tspeakers {result.reference_speakers}->{result.hypothesis_speakers}"
                  f"\troles {roles}{timing}", highlight=False)
    if scores:
        judged = [s for s in scores if s.roles_right is not None]
        right = sum(bool(s.roles_right) for s in judged)
        share = f"; diarisation {diar_s / asr_s:.1%} of ASR time" if asr_s else ""
        out.print(f"{len(scores)} calls: DER {pooled_der(scores):.2%} (collar {collar:g} s); "
                  f"roles right on {right}/{len(judged)}{share}", highlight=False)
    if failures:
        raise typer.Exit(1)
