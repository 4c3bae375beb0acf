"""Rubric files: which behaviours a call is scored on, with weights, competences and feedback.

A rubric is YAML (see rubrics/core.yaml; one file per standard beside it) loaded into frozen
pydantic models with `extra="forbid"`: a misspelt field, an unknown detector or an unknown
detector param is an error that names the file and line, the criterion and the field, and
lists what is valid.  `check_rubric` reports every problem at once (`callqa rubric check`);
`rubric_json_schema` gives editors the same rules as a JSON Schema.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import (BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, ValidationInfo,
                      field_validator, model_validator)

from pipeline.detectors import DETECTORS, get_detector
from pipeline.errors import RubricError
from pipeline.evidence import STATUSES

RUBRICS_DIR = Path(__file__).resolve().parent.parent / "rubrics"
REPORT_LANGUAGES = ("fr", "nl", "en")


class ParamError(ValueError):
    """A detector param that does not fit; `key` names it so a checker can point at its line."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(_Strict):
    """One text in each report language."""

    fr: str
    nl: str
    en: str

    def get(self, language: str) -> str:
        return getattr(self, language) if language in REPORT_LANGUAGES else self.en


class Feedback(_Strict):
    """Feedback templates per status; `{quote}` and the detector's facts may be filled in."""

    met: Localized
    partial: Localized
    not_met: Localized
    not_applicable: Localized

    @model_validator(mode="after")
    def _templates_parse(self) -> "Feedback":
        for status in STATUSES:
            for language in REPORT_LANGUAGES:
                text = getattr(getattr(self, status), language)
                try:
                    list(string.Formatter().parse(text))
                except ValueError as exc:
                    raise ValueError(f"{status}.{language}: bad template ({exc}); "
                                     "write placeholders as {quote}, literal braces as {{ }}")
        return self


class Criterion(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$",
                    description="Criterion id in reports (the core ones: greeting, "
                                "identity_check, reformulation, objections, closing, silence).")
    title: Localized
    weight: float = Field(gt=0, description="Weight in the 0-100 score.")
    critical: bool = Field(False, description="not_met on this criterion makes the call NOK.")
    detector: str = Field(description="Registered detector that judges the criterion.")
    params: dict[str, Any] = Field(default_factory=dict,
                                   description="The detector's thresholds and extra phrases.")
    competences: tuple[str, ...] = Field((), description="Competence codes exactly as the "
                                         "standard writes them, e.g. 'D140801 Id17425', "
                                         "'co 01671', '01.06'.")
    feedback: Feedback

    @field_validator("competences", mode="before")
    @classmethod
    def _codes_are_text(cls, value: Any) -> Any:
        for code in value or ():
            if not isinstance(code, str):
                raise ValueError(f"competence code {code!r} is not text; quote it in the YAML "
                                 "(e.g. '01.06'), or YAML reads it as a number")
        return value

    @field_validator("detector")
    @classmethod
    def _known_detector(cls, value: str) -> str:
        try:
            get_detector(value)
        except RubricError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("params")
    @classmethod
    def _params_fit_detector(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        name = info.data.get("detector")
        if name is None:
            return value              # the detector is wrong: that error says it all
        spec = get_detector(name)
        valid = list(spec.params.__dataclass_fields__)
        unknown = sorted(set(value) - set(valid))
        if unknown:
            raise ParamError(f"unknown param(s) {', '.join(unknown)} for detector {name!r}; "
                             f"valid params: {', '.join(valid) or 'none'}", key=unknown[0])
        try:
            _adapter(spec.params).validate_python(value)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise ParamError(f"param {where}: {err['msg']}",
                             key=str(err["loc"][0]) if err["loc"] else None) from None
        return value

    def detector_params(self) -> Any:
        """The detector's Params dataclass built from `params` (defaults for the rest)."""
        return _adapter(get_detector(self.detector).params).validate_python(self.params)


class Rubric(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                    description="Rubric id (the file stem of a bundled rubric).")
    version: str
    title: Localized
    description: Localized | None = None
    pass_mark: float = Field(ge=0, le=100, description="Score needed for OK (0-100).")
    criteria: tuple[Criterion, ...] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) else value

    @model_validator(mode="after")
    def _unique_ids(self) -> "Rubric":
        ids = [c.id for c in self.criteria]
        doubles = sorted({i for i in ids if ids.count(i) > 1})
        if doubles:
            raise ValueError(f"criterion id(s) used twice: {', '.join(doubles)}")
        return self

    def params_for(self, detector: str) -> Any:
        """Params of the first criterion using `detector` (its defaults when none does)."""
        for criterion in self.criteria:
            if criterion.detector == detector:
                return criterion.detector_params()
        return get_detector(detector).params()


@lru_cache(maxsize=None)
def _adapter(params_type: type) -> TypeAdapter:
    return TypeAdapter(params_type)


def list_rubrics() -> tuple[str, ...]:
    """Ids of the rubrics shipped in the repository's rubrics/ folder."""
    return tuple(sorted(p.stem for p in RUBRICS_DIR.glob("*.yaml")))


@dataclass(frozen=True)
class RubricProblem:
    """One thing wrong in a rubric file, with where it is."""

    file: str
    line: int | None                  # 1-based; None when the file could not be read at all
    column: int | None
    where: str                        # "criterion 'closing': field 'feedback.partial.nl'"
    message: str                      # what is wrong and what to do

    def __str__(self) -> str:
        at = f"{self.file}:{self.line}" if self.line else self.file
        return ": ".join(x for x in (at, self.where, self.message) if x)


def load_rubric(id_or_path: str | Path) -> Rubric:
    """Load a rubric by id (rubrics/<id>.yaml) or from a YAML file path."""
    rubric, problems = check_rubric(id_or_path)
    if rubric is None:
        more = f" (and {len(problems) - 1} more problem(s); run `callqa rubric check`)" \
            if len(problems) > 1 else ""
        raise RubricError(f"{problems[0]}{more}")
    return rubric


def check_rubric(id_or_path: str | Path, *, display_name: str | None = None
                 ) -> tuple[Rubric | None, tuple[RubricProblem, ...]]:
    """The rubric, or every problem found in it (each with its line in the file).

    Problems name the file by `display_name` (default: the file name)."""
    path = _resolve(id_or_path)
    name = display_name or path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, (RubricProblem(name, None, None, "", f"cannot read rubric ({exc})"),)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or exc
        return None, (RubricProblem(name, mark.line + 1 if mark else None,
                                    mark.column + 1 if mark else None, "",
                                    f"not valid YAML ({problem}); fix the file"),)
    if not isinstance(data, dict):
        return None, (RubricProblem(name, 1, 1, "", "a rubric must be a YAML mapping with id, "
                                    "version, title, pass_mark and criteria"),)
    problems = list(_duplicate_keys(root, name))
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        # Invalid criteria also leave the tuple "too short": that follows from the others.
        if any(e["loc"][:1] == ("criteria",) and len(e["loc"]) > 1 for e in errors):
            errors = [e for e in errors if not (e["loc"] == ("criteria",) and
                                                e["type"] == "too_short")]
        problems.extend(_problem(err, data, root, name) for err in errors)
        rubric = None
    if problems:
        return None, tuple(sorted(problems, key=lambda x: x.line or 0))
    return rubric, ()


def _resolve(id_or_path: str | Path) -> Path:
    text = str(id_or_path)
    looks_like_path = isinstance(id_or_path, Path) or "/" in text or "\\" in text or \
        text.endswith((".yaml", ".yml"))
    path = Path(text) if looks_like_path else RUBRICS_DIR / f"{text}.yaml"
    if not path.is_file():
        if looks_like_path:
            raise RubricError(f"rubric file {text} not found; check the path")
        raise RubricError(f"unknown rubric {text!r}; available rubrics: "
                          f"{', '.join(list_rubrics()) or 'none'} (or pass a YAML file path)")
    return path


def _problem(err: Any, data: dict, root: yaml.Node, name: str) -> RubricProblem:
    """A pydantic error as a problem: file line, criterion, field, message, what to do."""
    loc = list(err["loc"])
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, ParamError) and cause.key:
        loc.append(cause.key)         # point at the param's own line
    node, line_of_key = _node_at(root, loc)
    mark = line_of_key or (node.start_mark if node is not None else None)
    where = []
    rest = list(err["loc"])
    if len(rest) >= 2 and rest[0] == "criteria" and isinstance(rest[1], int):
        criteria = data.get("criteria") or []
        raw = criteria[rest[1]] if rest[1] < len(criteria) else None
        cid = raw.get("id") if isinstance(raw, dict) else None
        where.append(f"criterion {cid!r}" if cid else f"criterion #{rest[1] + 1}")
        rest = rest[2:]
    if rest:
        where.append(f"field {'.'.join(str(p) for p in rest)!r}")
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        msg = "missing required field; add it"
    elif err["type"] == "extra_forbidden":
        valid = _fields_at(list(err["loc"])[:-1])
        msg = f"unknown field; valid fields: {', '.join(valid)}"
    return RubricProblem(name, mark.line + 1 if mark else None,
                         mark.column + 1 if mark else None, ": ".join(where), msg)


def _node_at(root: yaml.Node, loc: list) -> tuple[yaml.Node | None, Any]:
    """The YAML node at a pydantic error location, as deep as it exists, and the mark of the
    last key found (a key's line is where a reader looks; a missing field is reported at its
    parent's line)."""
    node: yaml.Node | None = root
    key_mark = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                return node, None
            key_mark, node = pair[0].start_mark, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and \
                part < len(node.value):
            node, key_mark = node.value[part], None
        else:
            return node, None
    return node, key_mark


def _duplicate_keys(node: yaml.Node, name: str):
    """Keys given twice in one mapping: YAML keeps the last silently, a rubric author never
    means that."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                yield RubricProblem(name, key.start_mark.line + 1, key.start_mark.column + 1,
                                    f"field {key.value!r}", "given twice in the same mapping; "
                                    "keep one")
            seen.add(key.value)
            yield from _duplicate_keys(value, name)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(item, name)


def _fields_at(loc: list) -> list[str]:
    """Field names of the model found at `loc` inside a Rubric."""
    model: Any = Rubric
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and \
            issubclass(model, BaseModel) else None
        if field is None:
            return []
        model = _model_in(field.annotation)
    return list(model.model_fields) if isinstance(model, type) and \
        issubclass(model, BaseModel) else []


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside an annotation (`Localized | None`, `tuple[Criterion, ...]`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None

# ---------------------------------------------------------------------------------------------
# JSON Schema, for editors (schemas/rubric.schema.json; regenerate with `callqa rubric schema`)

def rubric_json_schema() -> dict[str, Any]:
    """The JSON Schema of a rubric file, generated from the pydantic models.

    The models keep `params` open (its shape depends on the detector), so the schema adds what
    the validators check: `detector` is one of the registered names, and each detector's
    `params` follow its Params dataclass, with no other keys.
    """
    schema = Rubric.model_json_schema()
    criterion = schema["$defs"]["Criterion"]
    criterion["properties"]["detector"]["enum"] = sorted(DETECTORS)
    criterion["allOf"] = [
        {"if": {"properties": {"detector": {"const": name}}, "required": ["detector"]},
         "then": {"properties": {"params": _params_schema(name)}}}
        for name in sorted(DETECTORS)]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema,
            "title": "callqa rubric"}


def _params_schema(detector: str) -> dict[str, Any]:
    schema = _adapter(get_detector(detector).params).json_schema()
    schema.pop("required", None)      # every param has a default
    schema["additionalProperties"] = False
    return schema


__all__ = ["Criterion", "Feedback", "Localized", "ParamError", "RUBRICS_DIR", "Rubric",
           "RubricProblem", "check_rubric", "list_rubrics", "load_rubric", "rubric_json_schema"]
