import hashlib
from pathlib import Path

import pytest

from pipeline.errors import ModelError
from pipeline.models import resolve_model

SHA = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"


def test_base_assembles_from_the_pypi_parts_and_verifies(tmp_path: Path):
    target = resolve_model("base", cache_dir=tmp_path)
    assert (target / "model.bin").stat().st_size == 145_217_532
    digest = hashlib.sha256((target / "model.bin").read_bytes()).hexdigest()
    assert digest == SHA
    assert {p.name for p in target.iterdir()} >= {"config.json", "tokenizer.json", "vocabulary.txt"}
    # Second call reuses the verified cache; a truncated model.bin is rebuilt.
    assert resolve_model("base", cache_dir=tmp_path) == target
    with open(target / "model.bin", "r+b") as handle:
        handle.truncate(1000)
    assert (resolve_model("base", cache_dir=tmp_path) / "model.bin").stat().st_size == 145_217_532


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ModelError, match="unknown model 'huge'.*base"):
        resolve_model("huge")


def test_local_directory(tmp_path: Path):
    (tmp_path / "m").mkdir()
    with pytest.raises(ModelError, match="lacks model.bin"):
        resolve_model(str(tmp_path / "m"))
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (tmp_path / "m" / name).write_text("x")
    assert resolve_model(str(tmp_path / "m")) == tmp_path / "m"
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model(str(tmp_path / "absent"))
