"""What a designer reads about a form: skip logic and constraints as text with question labels
instead of XPaths, and the difference between two versions (fields added, removed, retyped)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from converters.form_model import Field, FormSchema

_TOKEN = re.compile(
    r"""
      (?P<selected>selected\(\s*(?P<spath>(?:/[\w:.-]+)+|\.)\s*,\s*
          (?P<quote>['"])(?P<svalue>.*?)(?P=quote)\s*\))
    | (?P<path>(?:/[\w:.-]+)+)
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<op>!=|<=|>=|=|<|>)
    | (?P<word>\b(?:and|or|div|mod)\b)
    | (?P<dot>(?<![\w)\]])\.(?![\w/.]))
    | (?P<space>\s+)
    | (?P<other>.)
    """,
    re.VERBOSE,
)
_SYMBOLS = {"!=": "≠", "<=": "≤", ">=": "≥", "=": "=", "<": "<", ">": ">", "div": "÷", "mod": "mod"}


def label_of(labels: Mapping[str, str], language: str | None, fallback: str) -> str:
    if language and labels.get(language):
        return labels[language]
    return next((text for text in labels.values() if text), fallback)


def readable(
    expression: str,
    schema: FormSchema,
    language: str | None,
    words: Mapping[str, str],
    this: Field | None = None,
) -> str:
    """`expression` with each /data/... path shown as its question's label, choice names as
    their labels, and `and`/`or`/`selected()`/`.` in `words` (keys: and, or, includes, this)."""
    out: list[str] = []
    last: Field | None = None
    for match in _TOKEN.finditer(expression):
        kind = match.lastgroup
        text = match.group(0)
        if kind == "selected":
            spath = match.group("spath")
            field = this if spath == "." else schema.field(spath)
            value = _choice_label(schema, field, match.group("svalue"), language)
            out.append(f"{_question(field, spath, language, words)} {words['includes']} “{value}”")
        elif kind == "path":
            last = schema.field(text)
            out.append(_question(last, text, language, words))
        elif kind == "dot":
            last = this
            out.append(words["this"])
        elif kind == "string":
            out.append(f"“{_choice_label(schema, last, text[1:-1], language)}”")
        elif kind in ("op", "word") and text in _SYMBOLS:
            out.append(_SYMBOLS[text])
        elif kind == "word":
            out.append(words[text])
        elif kind == "space":
            out.append(" ")
        else:
            out.append(text)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _question(
    field: Field | None, path: str, language: str | None, words: Mapping[str, str]
) -> str:
    if field is None:
        return path.rsplit("/", 1)[-1]
    return f"«{label_of(field.labels, language, field.name)}»"


def _choice_label(schema: FormSchema, field: Field | None, value: str, language: str | None) -> str:
    if field is None or field.choice_list is None:
        return value
    choices = schema.choice_lists.get(field.choice_list)
    for choice in choices.choices if choices else ():
        if choice.name == value:
            return label_of(choice.labels, language, value)
    return value


@dataclass(frozen=True, slots=True)
class FormDiff:
    added: tuple[Field, ...]
    removed: tuple[Field, ...]
    retyped: tuple[tuple[Field, Field], ...]  # (before, after)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.retyped)


def diff_forms(before: FormSchema | None, after: FormSchema) -> FormDiff:
    """Questions added, removed and given another type between two versions (by XPath)."""
    old = {f.xpath: f for f in before.fields} if before else {}
    new = {f.xpath: f for f in after.fields}
    return FormDiff(
        added=tuple(f for xpath, f in new.items() if xpath not in old),
        removed=tuple(f for xpath, f in old.items() if xpath not in new),
        retyped=tuple(
            (old[xpath], f)
            for xpath, f in new.items()
            if xpath in old and (old[xpath].kind, old[xpath].data_type) != (f.kind, f.data_type)
        ),
    )


_LANGUAGE_NAMES = {"en": ("english", "anglais"), "fr": ("french", "français", "francais")}


def form_language(schema: FormSchema, code: str) -> str | None:
    """The form's own language for a page language code: 'French (fr)', 'fr' or 'Français'
    for 'fr'; the form's default when it has none of them."""
    for language in schema.languages:
        lowered = language.lower()
        if (
            lowered == code
            or lowered.endswith(f"({code})")
            or lowered in _LANGUAGE_NAMES.get(code, ())
        ):
            return language
    return schema.default_language
