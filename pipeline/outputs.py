"""Writing report files: atomically, so a killed run never leaves a truncated file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pipeline.report.json_report import to_dict
from pipeline.report.markdown import to_markdown
from pipeline.report.model import QualityReport
from pipeline.transcript import to_rttm, to_srt, to_vtt

FORMATS = ("json", "md", "srt", "vtt", "rttm")


def atomic_write_text(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(report: QualityReport, out_dir: Path, formats: tuple[str, ...], *,
                 language: str | None = None) -> list[Path]:
    """Write the report in every requested format; the JSON always comes last, so its
    presence means the call is complete."""
    renderers = {
        "srt": lambda: to_srt(report.transcript),
        "vtt": lambda: to_vtt(report.transcript),
        "rttm": lambda: to_rttm(report.transcript, report.call_id),
        "md": lambda: to_markdown(report, language=language),
    }
    written = []
    for fmt in formats:
        if fmt in renderers:
            path = out_dir / f"{report.call_id}.{fmt}"
            atomic_write_text(path, renderers[fmt]())
            written.append(path)
    path = out_dir / f"{report.call_id}.json"
    atomic_write_text(path, json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n")
    written.append(path)
    return written
