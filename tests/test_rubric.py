"""Rubric loading and validation: core.yaml loads; mistakes give one-line RubricErrors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.detectors import greeting, silence
from pipeline.errors import RubricError
from pipeline.rubric import RUBRICS_DIR, list_rubrics, load_rubric

CORE_IDS = ["greeting", "identity_check", "reformulation", "objections", "closing", "silence"]


def test_core_rubric_loads_with_the_six_criteria():
    rubric = load_rubric("core")
    assert rubric.id == "core" and rubric.version == "1.0" and 0 < rubric.pass_mark <= 100
    assert [c.id for c in rubric.criteria] == CORE_IDS
    assert [c.detector for c in rubric.criteria] == CORE_IDS
    by_id = {c.id: c for c in rubric.criteria}
    assert by_id["greeting"].critical and by_id["identity_check"].critical
    assert "D140801 Id17425" in by_id["greeting"].competences
    assert "02.06" in by_id["objections"].competences
    assert {"01.09", "01.10"} <= set(by_id["closing"].competences)
    for c in rubric.criteria:
        assert c.weight > 0 and c.competences and all(isinstance(x, str) for x in c.competences)
        for status in ("met", "partial", "not_met", "not_applicable"):
            for lang in ("fr", "nl", "en"):
                assert getattr(getattr(c.feedback, status), lang).strip()


def test_core_params_become_detector_dataclasses():
    by_id = {c.id: c for c in load_rubric("core").criteria}
    params = by_id["silence"].detector_params()
    assert isinstance(params, silence.Params) and params.dead_air_max_s == 5
    assert isinstance(by_id["greeting"].detector_params(), greeting.Params)


def test_list_rubrics_and_load_by_path():
    assert "core" in list_rubrics()
    assert load_rubric(RUBRICS_DIR / "core.yaml").id == "core"
    assert load_rubric(str(RUBRICS_DIR / "core.yaml")).id == "core"


def _core_data() -> dict:
    return yaml.safe_load((RUBRICS_DIR / "core.yaml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "custom.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_params_in_yaml_are_validated_and_converted(tmp_path):
    data = _core_data()
    data["criteria"][0]["params"] = {"opening_s": 12, "extra_salutations": ["yo"]}
    criterion = load_rubric(_write(tmp_path, data)).criteria[0]
    assert criterion.detector_params() == greeting.Params(opening_s=12.0,
                                                          extra_salutations=("yo",))


def _error(tmp_path: Path, data: dict) -> str:
    with pytest.raises(RubricError) as info:
        load_rubric(_write(tmp_path, data))
    message = str(info.value)
    assert "\n" not in message and message.startswith("custom.yaml")
    return message


def test_unknown_detector_lists_valid_ones(tmp_path):
    data = _core_data()
    data["criteria"][1]["detector"] = "identity"
    message = _error(tmp_path, data)
    assert "criterion 'identity_check'" in message and "unknown detector 'identity'" in message
    assert "valid detectors: call_purpose, callback, calm_customer, clarification, closing" \
        in message


def test_unknown_param_lists_valid_ones(tmp_path):
    data = _core_data()
    data["criteria"][5]["params"] = {"dead_air_max": 4}
    message = _error(tmp_path, data)
    assert "criterion 'silence'" in message and "unknown param(s) dead_air_max" in message
    assert "dead_air_max_s" in message and "hold_max_s" in message


def test_param_of_wrong_type(tmp_path):
    data = _core_data()
    data["criteria"][5]["params"] = {"dead_air_max_s": "long"}
    assert "param dead_air_max_s" in _error(tmp_path, data)


def test_missing_field_names_criterion_and_field(tmp_path):
    data = _core_data()
    del data["criteria"][2]["weight"]
    message = _error(tmp_path, data)
    assert "criterion 'reformulation'" in message and "field 'weight'" in message
    assert "missing" in message


def test_missing_translation_names_the_path(tmp_path):
    data = _core_data()
    del data["criteria"][4]["feedback"]["partial"]["nl"]
    message = _error(tmp_path, data)
    assert "criterion 'closing'" in message and "feedback.partial.nl" in message


def test_unknown_field_lists_valid_fields(tmp_path):
    data = _core_data()
    data["criteria"][0]["wieght"] = 3
    message = _error(tmp_path, data)
    assert "field 'wieght'" in message and "valid fields: id, title, weight" in message


def test_top_level_mistakes(tmp_path):
    data = _core_data()
    del data["pass_mark"]
    assert "field 'pass_mark'" in _error(tmp_path, data)
    data = _core_data()
    data["criteria"][1]["id"] = "greeting"
    assert "used twice: greeting" in _error(tmp_path, data)


def test_numeric_competence_code_must_be_quoted(tmp_path):
    data = _core_data()
    data["criteria"][3]["competences"] = [2.06]
    assert "quote it" in _error(tmp_path, data)


def test_non_positive_weight(tmp_path):
    data = _core_data()
    data["criteria"][0]["weight"] = 0
    assert "field 'weight'" in _error(tmp_path, data)


def test_bad_template_is_reported(tmp_path):
    data = _core_data()
    data["criteria"][0]["feedback"]["met"]["en"] = "Well done {quote"
    assert "bad template" in _error(tmp_path, data)


def test_bad_yaml_and_missing_files(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\ncriteria: [\n", encoding="utf-8")
    with pytest.raises(RubricError, match=r"broken.yaml:\d+: not valid YAML"):
        load_rubric(path)
    with pytest.raises(RubricError, match="unknown rubric 'nope'; available rubrics: .*core"):
        load_rubric("nope")
    with pytest.raises(RubricError, match="not found"):
        load_rubric(tmp_path / "absent.yaml")


def test_params_for_a_detector():
    rubric = load_rubric("core")
    assert rubric.params_for("silence") == silence.Params(dead_air_warn_s=3, dead_air_max_s=5,
                                                          hold_max_s=60)
    assert rubric.params_for("greeting") == greeting.Params(opening_s=20)
