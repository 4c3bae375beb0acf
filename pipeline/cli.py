"""The `callqa` command line: parse, call the library, print.  Nothing else lives here."""

from __future__ import annotations

import json
import logging
import signal
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.analysis import AnalysisOptions
from pipeline.batch import BatchInterrupted, BatchOptions, run_batch
from pipeline.batch import Progress as BatchProgress
from pipeline.errors import CallQAError
from pipeline.executor import EXECUTORS
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
    threads: int = typer.Option(0, help="CPU threads for Whisper per call (0 = the cores "
                                        "shared among the workers)."),
    workers: int = typer.Option(BatchOptions.workers, help="Calls scored at once, each in its "
                                                           "own process (0 = one per core)."),
    executor: str = typer.Option(BatchOptions.executor, help="local (processes here) or dask."),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler, tcp://host:8786 "
                                                       "(default: a Dask cluster started here)."),
    force: bool = typer.Option(False, "--force", help="Score again the calls whose report is "
                                                      "up to date."),
    beam: int = typer.Option(AnalysisOptions.beam_size, help="Whisper beam size; 1 (greedy) "
                             "is faster, at some cost in accuracy (see bench/stages.py)."),
    redact: bool = typer.Option(False, "--redact", help="Mask personal data (customer and "
                                "contract numbers, phones, e-mails, IBANs, dates, addresses) in "
                                "every report; timestamps kept, recording not embedded."),
) -> None:
    """Score calls and write one report per call into --out."""
    if language not in ("auto", "fr", "nl", "en"):
        _fail(f"--language must be auto, fr, nl or en (got {language!r})")
    if agent_channel not in ("auto", "0", "1"):
        _fail(f"--agent-channel must be auto, 0 or 1 (got {agent_channel!r})")
    if report_language not in (None, "fr", "nl", "en"):
        _fail(f"--report-language must be fr, nl or en (got {report_language!r})")
    if workers < 0 or threads < 0:
        _fail("--workers and --threads must be 0 (automatic) or more")
    if not 1 <= beam <= 10:
        _fail(f"--beam must be between 1 and 10 (got {beam})")
    if executor not in EXECUTORS:
        _fail(f"--executor must be {' or '.join(EXECUTORS)} (got {executor!r})")
    if scheduler and executor != "dask":
        _fail("--scheduler needs --executor dask")
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
                              cpu_threads=threads, report_language=report_language,
                              beam_size=beam, redact=redact)
    batch = BatchOptions(workers=workers, executor=executor, scheduler=scheduler, force=force)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[audio]}"), TimeElapsedColumn(),
                  TextColumn("{task.fields[eta]}"), console=err, transient=False) as bar:
        task = bar.add_task("checking", total=None, audio="", eta="")

        def on_progress(p: BatchProgress) -> None:
            eta = p.eta_s
            bar.update(task, total=p.total, completed=p.done,
                       description="done" if p.done >= p.total else
                       f"scoring ({p.cached} up to date)" if p.cached else "scoring",
                       audio=_audio_done(p.audio_s_done),
                       eta="" if eta is None else f"ETA {_clock(eta)}")

        signals: list[int] = []
        try:
            with _terminate_as_interrupt(signals):
                result = run_batch(list(inputs), out_dir=out_dir, rubric=loaded,
                                   options=options, formats=formats, batch=batch,
                                   on_progress=on_progress)
        except BatchInterrupted as exc:
            bar.stop()
            err.print(str(exc), highlight=False, soft_wrap=True)
            # The shell's convention: 128 + the signal's number.
            raise typer.Exit(128 + (signals[0] if signals else signal.SIGINT))
        except CallQAError as exc:      # e.g. the Dask scheduler cannot be reached
            bar.stop()
            _fail(str(exc))
    # Plain lines, tabs kept and never wrapped: other tools read them.
    for s in result.scored:
        typer.echo(f"{s.call_id}\t{s.score:5.1f}\t{s.verdict}" + ("\tup to date" if s.cached else ""))
    for f in result.failures:
        err.print(f"[red]FAILED[/red] {f.source}: {f.reason}", highlight=False, soft_wrap=True)
    cached = sum(s.cached for s in result.scored)
    typer.echo(f"{len(result.scored) - cached} scored, {cached} up to date, "
               f"{len(result.failures)} failed -> {out_dir}")
    if result.failures:
        raise typer.Exit(1)


@contextmanager
def _terminate_as_interrupt(signals: list[int]) -> Iterator[None]:
    """SIGTERM stops a run the way Ctrl-C does (workers stopped, finished reports kept);
    the signals received are appended to `signals`."""
    def interrupt(signum: int, frame: object) -> None:
        signals.append(signum)
        if len(signals) == 1:       # a second signal must not break the clean-up of the first
            raise KeyboardInterrupt

    previous = {}
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, interrupt)
    except ValueError:              # not the main thread: leave the signals alone
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _audio_done(seconds: float) -> str:
    return (f"{seconds / 3600:.2f} h audio" if seconds >= 3600 else
            f"{seconds / 60:.1f} min audio")


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


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


@app.command("stats")
def stats_command(
    folder: Path = typer.Argument(..., help="The --out folder of `score` (its callqa.sqlite)."),
    by: str = typer.Option("criterion", "--by", help="criterion, agent or week (ISO)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Rebuild the store from the report "
                                                          "JSONs first."),
) -> None:
    """Pass rates per criterion, agent or week, from FOLDER's results store."""
    from rich.table import Table

    from pipeline.stats import BY, ensure_store, stats, table_rows, to_json
    from pipeline.store import STORE_NAME, ResultsStore

    if by not in BY:
        _fail(f"--by must be {', '.join(BY)} (got {by!r})")
    try:
        built = ensure_store(folder, rebuild=rebuild)
        if built is not None:
            err.print(f"built {folder / STORE_NAME} from {built} report(s)", highlight=False)
        with ResultsStore(folder) as store:
            result = stats(store, by=by)
    except CallQAError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(to_json(result), indent=2, ensure_ascii=False))
        return
    header, rows = table_rows(result)
    table = Table(*header, caption=f"{result.total.calls} calls, mean score "
                                   f"{result.total.mean_score:.1f}, "
                                   f"{100 * result.total.ok_rate:.0f}% OK")
    for column in table.columns[1:]:
        column.justify = "right"      # counts and rates
    for row in rows:
        table.add_row(*row)
    out.print(table)


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


@app.command()
def evaluate(
    folder: Path = typer.Argument(..., help="Labelled folder: truth/*.json (+ the recordings "
                                            "they name), e.g. sample_calls or bench/devset."),
    source: str = typer.Option("both", help="transcript (detectors alone), audio (whole "
                                            "pipeline) or both."),
    rubric: str = typer.Option("core", help="Rubric id or path; criteria without a label are "
                                            "not counted."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the metrics here."),
    reports_dir: Optional[Path] = typer.Option(None, "--out", help="Also write each call's "
                                               "report JSON here (<call_id>.<source>.json)."),
    show_errors: bool = typer.Option(False, "--errors", help="List every wrong verdict."),
    model: str = typer.Option("base", help="Whisper model name or CTranslate2 directory."),
    threads: int = typer.Option(0, help="CPU threads for Whisper (0 = all cores)."),
    beam: int = typer.Option(AnalysisOptions.beam_size, help="Whisper beam size."),
) -> None:
    """Accuracy of the verdicts, objection counts and silence gaps against ground truth."""
    from functools import partial

    from pipeline.evaluation import discover, evaluate as run_evaluation, score_audio, score_reference
    from pipeline.report.evaluation_table import evaluation_tables

    if source not in ("transcript", "audio", "both"):
        _fail(f"--source must be transcript, audio or both (got {source!r})")
    try:
        loaded = load_rubric(rubric)
        calls = discover(folder)
    except CallQAError as exc:
        _fail(str(exc))
    options = AnalysisOptions(model=model, cpu_threads=threads, beam_size=beam)
    scorers = {"transcript": score_reference, "audio": score_audio}
    results = []
    for name in (("transcript", "audio") if source == "both" else (source,)):
        with err.status(f"scoring {len(calls)} calls from {name}") as status:
            results.append(run_evaluation(
                calls, name, partial(scorers[name], rubric=loaded, options=options),
                on_call=lambda call_id: status.update(f"{name}: {call_id}")))
    for result in results:
        for table in evaluation_tables(result, errors=show_errors):
            out.print(table)
        for failure in result.failures:
            err.print(f"[red]FAILED[/red] {failure.source}: {failure.reason}", highlight=False)
    if reports_dir is not None:
        from pipeline.outputs import atomic_write_text
        from pipeline.report.json_report import to_dict

        for result in results:
            for call_id, report in result.reports.items():
                atomic_write_text(reports_dir / f"{call_id}.{result.source}.json",
                                  json.dumps(to_dict(report), indent=2, ensure_ascii=False))
    if json_out is not None:
        from pipeline.outputs import atomic_write_text

        atomic_write_text(json_out, json.dumps({r.source: r.to_dict() for r in results},
                                               indent=2, ensure_ascii=False) + "\n")
    if any(r.failures for r in results):
        raise typer.Exit(1)
