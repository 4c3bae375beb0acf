"""The report cache: a call whose report was made from the same inputs is not scored again.

The key is a digest of everything that decides a report: the input file's bytes, the Whisper
model (audio only), the rubric and every analysis option but the thread count.  It is stored
in the report JSON itself (`cache_key`, `input_sha256`), so the reports folder is the cache:
nothing else to keep in step, and copying a folder of reports copies its cache.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from pipeline import __version__
from pipeline.analysis import AnalysisOptions
from pipeline.models import MANIFEST_DIR
from pipeline.rubric import Rubric

log = logging.getLogger(__name__)

# Options that change how fast a report is made, never what it says.
_SPEED_ONLY = frozenset({"cpu_threads"})


@dataclass(frozen=True)
class CacheKey:
    input_sha256: str
    key: str


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks (recordings can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def model_identity(model: str) -> str:
    """What the model's weights are: a bundled name with its manifest checksum, or a
    directory with the size and time of its model.bin (hashing gigabytes per run would cost
    more than it saves)."""
    manifest = MANIFEST_DIR / f"whisper-{model}.json"
    if manifest.is_file():
        checksum = json.loads(manifest.read_text(encoding="utf-8"))["model_bin"]["sha256"]
        return f"{model}:{checksum}"
    weights = Path(model).expanduser().resolve() / "model.bin"
    try:
        stat = weights.stat()
    except OSError:
        return str(weights.parent)      # analysis will report the unusable model for each call
    return f"{weights.parent}:{stat.st_size}:{stat.st_mtime_ns}"


def cache_key(path: Path, *, audio: bool, rubric: Rubric, options: AnalysisOptions,
              model_id: str) -> CacheKey:
    """The key of the report `path` would give with these settings."""
    input_sha = file_sha256(path)
    settings = {k: v for k, v in dataclasses.asdict(options).items() if k not in _SPEED_ONLY}
    # A transcript never meets the model: changing --model must not redo transcripts.
    settings["model"] = model_id if audio else None
    material = {
        "input_sha256": input_sha,
        "rubric": {"id": rubric.id, "version": rubric.version,
                   # An edited rubric whose version was not bumped still gives new reports.
                   "sha256": hashlib.sha256(rubric.model_dump_json().encode()).hexdigest()},
        "options": settings,
        # A new release may score differently.
        "callqa": __version__,
    }
    text = json.dumps(material, sort_keys=True, ensure_ascii=True, default=str)
    return CacheKey(input_sha256=input_sha, key=hashlib.sha256(text.encode()).hexdigest())


def cached_report(json_path: Path, key: CacheKey, *, also: tuple[Path, ...] = ()) -> dict | None:
    """The report at `json_path` if it was made with `key` and the other requested files
    (`also`: its HTML, Markdown…) are there too; else None."""
    if not json_path.is_file() or not all(p.is_file() for p in also):
        return None
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        log.debug("%s unreadable: scored again", json_path.name)
        return None
    if not isinstance(data, dict) or data.get("cache_key") != key.key:
        return None
    return data
