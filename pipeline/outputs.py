"""Writing report files: atomically, so a killed run never leaves a truncated file."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
from pathlib import Path
from typing import Mapping
from urllib.parse import quote

from pipeline.report import charts
from pipeline.report.html import summary_html, to_html
from pipeline.report.json_report import to_dict
from pipeline.report.markdown import to_markdown
from pipeline.report.model import QualityReport
from pipeline.report.summary import BatchSummary, to_csv
from pipeline.report.wording import wording
from pipeline.transcript import to_rttm, to_srt, to_vtt

FORMATS = ("json", "html", "md", "srt", "vtt", "rttm")
# Up to this size the recording goes inside the call page (one file to mail, works anywhere);
# above it the page links to the recording where it lies.
EMBED_AUDIO_MAX_BYTES = 2_000_000
_AUDIO_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".flac": "audio/flac",
                ".ogg": "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/ogg",
                ".m4a": "audio/mp4", ".mp4": "audio/mp4", ".aac": "audio/aac",
                ".webm": "audio/webm", ".wma": "audio/x-ms-wma"}
# The temporary files of atomic_write_text: what a run killed mid-write leaves behind.
_PARTIAL = re.compile(r"\..+\.[0-9a-f]{12}\.part")


def atomic_write_text(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.part"  # see _PARTIAL
    # Created like any file (0666 less the umask), not mkstemp's 0600: reports are meant to be
    # shared with the people they are about.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def audio_source(audio: Path, out_dir: Path, *,
                 embed_max_bytes: int = EMBED_AUDIO_MAX_BYTES) -> str:
    """How the call page in `out_dir` reaches the recording: a data: URI when it is small,
    else a URL relative to the page (so the folders can move together)."""
    if audio.stat().st_size <= embed_max_bytes:
        kind = _AUDIO_TYPES.get(audio.suffix.lower(), "application/octet-stream")
        return f"data:{kind};base64,{base64.b64encode(audio.read_bytes()).decode('ascii')}"
    relative = os.path.relpath(audio.resolve(), out_dir.resolve())
    return quote(Path(relative).as_posix())


def render_report(report: QualityReport, out_dir: Path, formats: tuple[str, ...], *,
                  language: str | None = None, audio: Path | None = None) -> dict[str, str]:
    """File name -> text of every requested format but the JSON.  Pure text, so a worker
    process can render and the batch parent write.  `audio` is the recording the call page
    plays; `out_dir` is only used to link to it."""
    renderers = {
        "srt": lambda: to_srt(report.transcript),
        "vtt": lambda: to_vtt(report.transcript),
        "rttm": lambda: to_rttm(report.transcript, report.call_id),
        "md": lambda: to_markdown(report, language=language),
        "html": lambda: to_html(report, language=language,
                                audio_src=audio_source(audio, out_dir) if audio else None),
    }
    return {f"{report.call_id}.{fmt}": renderers[fmt]() for fmt in formats if fmt in renderers}


def write_rendered(out_dir: Path, call_id: str, files: Mapping[str, str],
                   data: Mapping) -> list[Path]:
    """Write the renderings, then the report JSON (`data`) last, so its presence means the
    call is complete."""
    written = []
    for name, text in files.items():
        path = out_dir / name
        atomic_write_text(path, text)
        written.append(path)
    path = out_dir / f"{call_id}.json"
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    written.append(path)
    return written


def write_report(report: QualityReport, out_dir: Path, formats: tuple[str, ...], *,
                 language: str | None = None, audio: Path | None = None) -> list[Path]:
    """Write the report in every requested format; the JSON always comes last, so its
    presence means the call is complete.  `audio` is the recording the call page plays."""
    files = render_report(report, out_dir, formats, language=language, audio=audio)
    return write_rendered(out_dir, report.call_id, files, to_dict(report))


def remove_partial_writes(out_dir: Path) -> int:
    """Delete the temporary files a killed run left in `out_dir`; how many there were."""
    removed = 0
    for path in out_dir.glob(".*.part") if out_dir.is_dir() else ():
        if _PARTIAL.fullmatch(path.name):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def write_summary(summary: BatchSummary, out_dir: Path) -> list[Path]:
    """The batch overview beside the reports: summary.csv and summary.html."""
    words = wording(summary.language)
    drawn = {"scores": charts.score_distribution(summary.rows, words),
             "pass_rates": charts.pass_rates(summary.criteria, words)}
    if summary.agents:
        drawn["agents"] = charts.agent_scores(summary.agents, words)
    pages = frozenset(r.call_id for r in summary.rows
                      if (out_dir / f"{r.call_id}.html").is_file())
    csv_path, html_path = out_dir / "summary.csv", out_dir / "summary.html"
    atomic_write_text(csv_path, to_csv(summary))
    atomic_write_text(html_path, summary_html(summary, charts=drawn, pages=pages))
    return [csv_path, html_path]
