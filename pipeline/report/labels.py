"""Evidence labels in the report language.

Detectors label their evidence in English ("salutation", "objection:price (unanswered)"), and
the JSON report keeps those labels as they are: they are part of its contract.  A person reads
the call page in the call's language, so the labels shown there are translated here, from the
one data file labels.yaml beside this module.

Some labels are composed by the detectors (an objection's category, "(repeated)",
"(unanswered)", a number of seconds or words): their parts are translated, so a new
combination needs no entry of its own.  A label with no translation is shown in English
rather than hidden or breaking the page.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Mapping

import yaml

log = logging.getLogger(__name__)

Translations = Mapping[str, str]          # language -> text

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# The placeholder a template fills with a number said as the detector wrote it ("1.4", "27").
_NUMBER = "n"
_PLACEHOLDER_PATTERN = {_NUMBER: r"\d+(?:[.,]\d+)?"}
_WORD_PATTERN = r"[\w-]+"                 # any other placeholder: one word, e.g. "no_need"


@dataclass(frozen=True)
class _Template:
    pattern: re.Pattern[str]              # the English label, its placeholders as named groups
    text: Translations


@dataclass(frozen=True)
class _Table:
    labels: Mapping[str, Translations]
    templates: tuple[_Template, ...]
    values: Mapping[str, Mapping[str, Translations]]
    suffixes: Mapping[str, Translations]


def label_text(label: str, language: str) -> str:
    """`label` as shown on a page in `language`: its translation, else the English label."""
    return translation(label, language) or label


def translation(label: str, language: str) -> str | None:
    """`label` translated into `language`, or None when labels.yaml cannot translate it
    (English included: the detectors' labels are already English)."""
    if not label:
        return None
    return _translate(label, language, _table())


def _translate(label: str, language: str, table: _Table) -> str | None:
    whole = table.labels.get(label, {}).get(language)
    if whole is not None:
        return whole
    for template in table.templates:
        found = template.pattern.fullmatch(label)
        if found is not None and (text := _fill(template, found, language, table)) is not None:
            return text
    # "objection:price (repeated) (unanswered)": the qualifiers come off the end one at a time.
    for suffix, said in table.suffixes.items():
        if label.endswith(suffix) and len(label) > len(suffix) and language in said:
            base = _translate(label[:-len(suffix)], language, table)
            if base is not None:
                return base + said[language]
    return None


def _fill(template: _Template, found: re.Match[str], language: str, table: _Table
          ) -> str | None:
    text = template.text.get(language)
    if text is None:
        return None
    parts: dict[str, str] = {}
    for name, value in found.groupdict().items():
        said = value if name == _NUMBER else table.values.get(name, {}).get(value, {}).get(language)
        if said is None:
            return None                   # an unknown category: better all English than mixed
        parts[name] = said
    return _PLACEHOLDER.sub(lambda m: parts.get(m.group(1), m.group(0)), text)


@lru_cache(maxsize=1)
def _table() -> _Table:
    """labels.yaml, read once.  A missing or broken file leaves every label in English: the
    report must still be written (the tests check the file itself)."""
    try:
        text = (resources.files("pipeline.report") / "labels.yaml").read_text(encoding="utf-8")
        data = _mapping(yaml.safe_load(text))
        return _Table(labels=_translations_by_key(data.get("labels")),
                      templates=tuple(_template(english, said) for english, said in
                                      _translations_by_key(data.get("templates")).items()),
                      values=MappingProxyType({
                          str(name): _translations_by_key(table)
                          for name, table in _mapping(data.get("values")).items()}),
                      suffixes=_translations_by_key(data.get("suffixes")))
    except (OSError, yaml.YAMLError, re.error) as error:
        log.warning("evidence labels left in English: cannot read labels.yaml (%s)", error)
        return _Table(MappingProxyType({}), (), MappingProxyType({}), MappingProxyType({}))


def _template(english: str, said: Translations) -> _Template:
    pattern, at = [], 0
    for m in _PLACEHOLDER.finditer(english):
        name = m.group(1)
        pattern.append(re.escape(english[at:m.start()]))
        pattern.append(f"(?P<{name}>{_PLACEHOLDER_PATTERN.get(name, _WORD_PATTERN)})")
        at = m.end()
    pattern.append(re.escape(english[at:]))
    return _Template(re.compile("".join(pattern)), said)


def _translations_by_key(raw: Any) -> Mapping[str, Translations]:
    return MappingProxyType({
        str(key): MappingProxyType({str(lang): str(text)
                                    for lang, text in _mapping(said).items()})
        for key, said in _mapping(raw).items()})


def _mapping(raw: Any) -> Mapping[Any, Any]:
    # Tolerate a section left empty or mistyped in the YAML: its labels stay English.
    return raw if isinstance(raw, dict) else {}


__all__ = ["label_text", "translation"]
