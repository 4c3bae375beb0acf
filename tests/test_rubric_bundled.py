"""The bundled rubrics, one per standard; the rubric JSON Schema; problems with their lines."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

from pipeline.detectors import DETECTORS, get_detector
from pipeline.rubric import (RUBRICS_DIR, check_rubric, list_rubrics, load_rubric,
                             rubric_json_schema)
from pipeline.transcript import load_transcript

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
STANDARDS = ("opcl-inbound", "opcl-outbound", "cc0213", "hd0214")
BEYOND = {"clarification", "let_finish", "call_purpose", "transfer", "callback", "upsell",
          "short_sentences", "calm_customer"}


def test_one_rubric_per_standard_and_the_core_one():
    assert set(list_rubrics()) >= {"core", *STANDARDS}
    for rubric_id in list_rubrics():
        rubric = load_rubric(rubric_id)
        assert rubric.id == rubric_id                # loadable by the id it shows
        assert 0 < rubric.pass_mark <= 100
        assert sum(c.weight for c in rubric.criteria) == pytest.approx(100)


@pytest.mark.parametrize("rubric_id", STANDARDS + ("core",))
def test_every_criterion_is_complete_in_three_languages(rubric_id):
    for c in load_rubric(rubric_id).criteria:
        assert c.competences and all(code.strip() == code for code in c.competences)
        for lang in ("fr", "nl", "en"):
            assert c.title.get(lang).strip()
            for status in ("met", "partial", "not_met", "not_applicable"):
                assert getattr(getattr(c.feedback, status), lang).strip(), (c.id, status, lang)


def test_the_standards_use_the_detectors_they_ask_for():
    used = {rid: {c.detector for c in load_rubric(rid).criteria} for rid in STANDARDS}
    assert set().union(*used.values()) >= BEYOND      # every new detector is in a rubric
    # 0214 has no "2-3 objections" nor "phrases courtes"; 0213 has both.
    assert {"objections", "short_sentences"} <= used["cc0213"]
    assert not {"objections", "short_sentences"} & used["hd0214"]
    assert {"calm_customer", "let_finish", "clarification"} <= used["hd0214"]
    # OPCL: incoming (01.xx) and outgoing (02.xx) key activities, each with its own rubric.
    assert {"transfer", "calm_customer"} <= used["opcl-inbound"]
    assert {"call_purpose", "objections", "callback", "upsell"} <= used["opcl-outbound"]
    assert not {"call_purpose", "objections", "callback"} & used["opcl-inbound"]


def test_competence_codes_follow_the_standards():
    by = {rid: {c.id: c for c in load_rubric(rid).criteria} for rid in STANDARDS}
    for c in by["opcl-inbound"].values():
        assert all(code == "01" or code.startswith("01.") for code in c.competences), c.id
    for c in by["opcl-outbound"].values():
        assert all(code.startswith("02.") for code in c.competences), c.id
    assert by["opcl-inbound"]["reformulation"].competences == ("01.06",)
    assert by["opcl-inbound"]["transfer"].competences == ("01.07",)
    assert by["opcl-outbound"]["objections"].competences == ("02.06",)
    assert by["opcl-outbound"]["upsell"].competences == ("02.07",)
    assert by["cc0213"]["greeting"].competences == ("D140801 Id17425",)
    assert by["cc0213"]["short_sentences"].competences == ("co 01671",)
    assert "D140801 Id16700" in by["hd0214"]["call_purpose"].competences
    for rid in ("cc0213", "hd0214"):
        assert by[rid]["greeting"].critical and by[rid]["identity_check"].critical
    outbound = by["opcl-outbound"]
    assert outbound["call_purpose"].detector_params().direction == "outbound"
    assert outbound["upsell"].detector_params().required is True
    assert by["opcl-inbound"]["upsell"].detector_params().required is False


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the standards (shared/seeds) are not here")
def test_every_competence_code_is_written_as_in_a_standard():
    seeds = " ".join(" ".join(p.read_text(encoding="utf-8").split())
                     for p in SEEDS.glob("*.txt"))
    for rubric_id in list_rubrics():
        for c in load_rubric(rubric_id).criteria:
            for code in c.competences:
                assert code in seeds, (rubric_id, c.id, code)


def _facts_seen() -> dict[str, set[str]]:
    """The fact names each detector reports, over the sample calls."""
    seen: dict[str, set[str]] = {name: set() for name in DETECTORS}
    for path in sorted((ROOT / "sample_calls" / "truth").glob("*.json")):
        transcript = load_transcript(path)
        for name, spec in DETECTORS.items():
            seen[name] |= set(spec.detect(transcript, spec.params()).facts)
    return seen


def test_feedback_templates_only_use_known_placeholders():
    seen = _facts_seen()
    for rubric_id in list_rubrics():
        for c in load_rubric(rubric_id).criteria:
            known = seen[c.detector] | {"quote", "customer_quote"}
            for status in ("met", "partial", "not_met", "not_applicable"):
                for lang in ("fr", "nl", "en"):
                    text = getattr(getattr(c.feedback, status), lang)
                    names = {f for _, f, _, _ in string.Formatter().parse(text) if f}
                    assert names <= known, (rubric_id, c.id, status, lang, names - known)


# ---------------------------------------------------------------------------------------------
# JSON Schema


def test_committed_schema_is_the_generated_one():
    committed = json.loads((ROOT / "schemas" / "rubric.schema.json").read_text(encoding="utf-8"))
    assert committed == rubric_json_schema(), "schemas/rubric.schema.json is stale: run " \
        "`callqa rubric schema -o schemas/rubric.schema.json`"


def test_schema_accepts_the_bundled_rubrics_and_rejects_bad_params():
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = rubric_json_schema()
    validator = jsonschema.Draft202012Validator(schema)
    for rubric_id in list_rubrics():
        data = yaml.safe_load((RUBRICS_DIR / f"{rubric_id}.yaml").read_text(encoding="utf-8"))
        assert not list(validator.iter_errors(data)), rubric_id
    data = yaml.safe_load((RUBRICS_DIR / "core.yaml").read_text(encoding="utf-8"))
    data["criteria"][5]["params"] = {"dead_air_max": 4}          # not a silence param
    assert list(validator.iter_errors(data))
    data["criteria"][5]["params"] = {}
    data["criteria"][5]["detector"] = "silense"
    assert list(validator.iter_errors(data))


def test_schema_describes_each_detectors_params():
    schema = rubric_json_schema()
    rules = schema["$defs"]["Criterion"]["allOf"]
    by_detector = {r["if"]["properties"]["detector"]["const"]: r["then"]["properties"]["params"]
                   for r in rules}
    assert set(by_detector) == set(DETECTORS)
    for name, params in by_detector.items():
        assert params["additionalProperties"] is False
        assert set(params["properties"]) == set(get_detector(name).params.__dataclass_fields__)
    assert by_detector["call_purpose"]["properties"]["direction"]["enum"] == \
        ["auto", "inbound", "outbound"]


# ---------------------------------------------------------------------------------------------
# Problems with their lines


BROKEN = """\
id: custom
version: "1"
title: {fr: a, nl: b, en: c}
pass_mark: 70
criteria:
  - id: greeting
    title: {fr: a, nl: b, en: c}
    wieght: 10
    detector: greeting
    feedback:
      met: {fr: a, nl: b, en: c}
      partial: {fr: a, nl: b, en: c}
      not_met: {fr: a, nl: b, en: c}
      not_applicable: {fr: a, nl: b, en: c}
  - id: silence
    title: {fr: a, nl: b, en: c}
    weight: 10
    detector: silence
    params:
      dead_air_max_s: 5
      dead_air_max: 4
    competences: ["co 01671"]
    feedback:
      met: {fr: a, nl: b, en: c}
      partial: {fr: a, nl: b, en: c}
      not_met: {fr: a, en: c}
      not_applicable: {fr: a, nl: b, en: c}
  - id: closing
    title: {fr: a, nl: b, en: c}
    weight: 10
    weight: 12
    detector: closingg
    feedback:
      met: {fr: a, nl: b, en: c}
      partial: {fr: a, nl: b, en: c}
      not_met: {fr: a, nl: b, en: c}
      not_applicable: {fr: a, nl: b, en: c}
"""


def test_check_lists_every_problem_with_its_line(tmp_path):
    path = tmp_path / "custom.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    rubric, problems = check_rubric(path)
    assert rubric is None
    lines = [str(p) for p in problems]
    assert all("\n" not in line and line.startswith("custom.yaml:") for line in lines)
    found = {(p.line, p.where.split(": ")[-1]) for p in problems}
    assert (6, "field 'weight'") in found           # missing: reported at the criterion
    assert (8, "field 'wieght'") in found           # unknown: at the key itself
    assert (21, "field 'params'") in found          # the bad param's own line
    assert (26, "field 'feedback.not_met.nl'") in found
    assert (31, "field 'weight'") in found          # a key given twice
    assert (32, "field 'detector'") in found
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    closing = next(p for p in problems if p.line == 32)
    assert "criterion 'closing'" in closing.where and "valid detectors:" in closing.message


def test_load_reports_the_first_problem_and_how_many_more(tmp_path):
    from pipeline.errors import RubricError

    path = tmp_path / "custom.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(RubricError, match=r"^custom.yaml:6: criterion 'greeting': .*more "
                                          r"problem\(s\); run `callqa rubric check`"):
        load_rubric(path)
