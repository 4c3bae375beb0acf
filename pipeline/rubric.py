"""Rubric files: which behaviours a call is scored on, with weights, competences and feedback.

A rubric is YAML (see rubrics/core.yaml) loaded into frozen pydantic models with
`extra="forbid"`: a misspelt field, an unknown detector or an unknown detector param is an error
that names the file, the criterion and the field, and lists what is valid.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import (BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator,
                      model_validator)

from pipeline.detectors import get_detector
from pipeline.errors import RubricError
from pipeline.evidence import STATUSES

RUBRICS_DIR = Path(__file__).resolve().parent.parent / "rubrics"
REPORT_LANGUAGES = ("fr", "nl", "en")


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
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: Localized
    weight: float = Field(gt=0)
    critical: bool = False
    detector: str
    params: dict[str, Any] = Field(default_factory=dict)
    competences: tuple[str, ...] = ()
    feedback: Feedback

    @field_validator("competences", mode="before")
    @classmethod
    def _codes_are_text(cls, value: Any) -> Any:
        for code in value or ():
            if not isinstance(code, str):
                raise ValueError(f"competence code {code!r} is not text; quote it in the YAML "
                                 "(e.g. '01.06'), or YAML reads it as a number")
        return value

    @model_validator(mode="after")
    def _detector_and_params(self) -> "Criterion":
        try:
            spec = get_detector(self.detector)
        except RubricError as exc:
            raise ValueError(str(exc)) from None
        valid = list(spec.params.__dataclass_fields__)
        unknown = sorted(set(self.params) - set(valid))
        if unknown:
            raise ValueError(f"unknown param(s) {', '.join(unknown)} for detector "
                             f"{self.detector!r}; valid params: {', '.join(valid) or 'none'}")
        try:
            _adapter(spec.params).validate_python(self.params)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise ValueError(f"param {where}: {err['msg']}") from None
        return self

    def detector_params(self) -> Any:
        """The detector's Params dataclass built from `params` (defaults for the rest)."""
        return _adapter(get_detector(self.detector).params).validate_python(self.params)


class Rubric(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    version: str
    title: Localized
    description: Localized | None = None
    pass_mark: float = Field(ge=0, le=100)
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


def load_rubric(id_or_path: str | Path) -> Rubric:
    """Load a rubric by id (rubrics/<id>.yaml) or from a YAML file path."""
    path = _resolve(id_or_path)
    name = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or exc
        raise RubricError(f"{name}: not valid YAML{where} ({problem}); fix the file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError(f"{name}: cannot read rubric ({exc})") from None
    if not isinstance(data, dict):
        raise RubricError(f"{name}: a rubric must be a YAML mapping with id, version, title, "
                          "pass_mark and criteria")
    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        raise RubricError(_explain(exc, data, name)) from None


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


def _explain(exc: ValidationError, data: dict, name: str) -> str:
    """The first validation error as one line: file, criterion, field, problem, what to do."""
    errors = exc.errors()
    err = errors[0]
    loc = list(err["loc"])
    where = [name]
    if len(loc) >= 2 and loc[0] == "criteria" and isinstance(loc[1], int):
        criteria = data.get("criteria") or []
        raw = criteria[loc[1]] if loc[1] < len(criteria) else None
        cid = raw.get("id") if isinstance(raw, dict) else None
        where.append(f"criterion {cid!r}" if cid else f"criterion #{loc[1] + 1}")
        loc = loc[2:]
    if loc:
        where.append(f"field {'.'.join(str(p) for p in loc)!r}")
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        msg = "missing required field; add it"
    elif err["type"] == "extra_forbidden":
        valid = _fields_at(list(err["loc"])[:-1])
        msg = f"unknown field; valid fields: {', '.join(valid)}"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"{': '.join(where)}: {msg}{more}"


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


__all__ = ["Criterion", "Feedback", "Localized", "RUBRICS_DIR", "Rubric", "list_rubrics",
           "load_rubric"]
