"""What an entity list's properties mean to a reader, from the published forms that fill it:
the label of the question each property is saved from and, for a property saved from a select
(or from a calculation that copies one, as the follow-up's `cur_region`), each choice's label,
so that pages show "Ségou" rather than `segou`. A form version is parsed once per process."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from converters.form_logic import form_language, label_of
from converters.form_model import Field, FormSchema
from converters.xform_schema import parse_xform
from storage.entities.lists import EntityListRecord
from storage.schema import system as s
from storage.text_search import fold

CACHED_FORMS = 64  # (form version, list, language) parsed and kept per process


@dataclass(frozen=True, slots=True)
class ListLabels:
    """For the page's language: property -> the question's label, property -> choice name ->
    the choice's label; and, for searching, each choice's name and labels in every language,
    folded (storage/text_search.py)."""

    titles: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    searched: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def title(self, name: str) -> str:
        return self.titles.get(name) or name

    def value(self, name: str, value: object) -> str:
        """The value as the page shows it: choice labels for a select's names (each of a
        multiple select's), the value itself for anything else."""
        text = "" if value is None else str(value)
        names = self.values.get(name)
        parts = text.split()
        if not names or not parts or any(part not in names for part in parts):
            return text
        return ", ".join(names[part] for part in parts)

    def stored(self, name: str, text: str) -> str:
        """What a person typed for property `name`, as it is stored: the choice name whose
        name or label (any language) it is, case and accents aside ("Ségou" -> `segou`);
        the text itself when it names no choice."""
        typed = fold(text.strip())
        for choice, words in self.searched.get(name, ()):
            if typed in words.split("\x1f"):
                return choice
        return text

    def matching(self, text: str) -> dict[str, tuple[str, ...]]:
        """property -> the choice names whose name or label (any language) contains `text`,
        case and accents aside: people search for what they read ("Tombouctou")."""
        needle = fold(text.strip())
        if not needle:
            return {}
        found = {
            prop: tuple(name for name, words in choices if needle in words)
            for prop, choices in self.searched.items()
        }
        return {prop: names for prop, names in found.items() if names}


_cache: OrderedDict[tuple[str, str, str], ListLabels] = OrderedDict()
_lock = threading.Lock()


def list_labels(connection: Connection, entity_list: EntityListRecord, language: str) -> ListLabels:
    """The labels of `entity_list`'s properties in `language` (a page language code), merged
    over the project's published forms that save to it: a label the first form gives wins."""
    forms, versions = s.forms, s.form_versions
    rows = connection.execute(
        sa.select(versions.c.id, versions.c.xform_sha256)
        .join(forms, forms.c.current_version_id == versions.c.id)
        .where(forms.c.project_id == entity_list.project_id, forms.c.deleted_at.is_(None))
        .order_by(forms.c.created_at, forms.c.id)  # the intake before the follow-ups
    ).all()
    titles: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    searched: dict[str, dict[str, str]] = {}
    for version_id, sha in rows:
        found = _form_labels(connection, version_id, sha, entity_list.name, language)
        for prop, title in found.titles.items():
            titles.setdefault(prop, title)
        for prop, names in found.values.items():
            for name, label in names.items():
                values.setdefault(prop, {}).setdefault(name, label)
        for prop, choices in found.searched.items():
            for name, words in choices:
                searched.setdefault(prop, {}).setdefault(name, words)
    return ListLabels(
        titles, values, {prop: tuple(choices.items()) for prop, choices in searched.items()}
    )


def _form_labels(
    connection: Connection, version_id: int, sha: str, list_name: str, language: str
) -> ListLabels:
    # A form version never changes once published: its sha256 names its labels for good.
    key = (sha, list_name, language)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    xform = connection.execute(
        sa.select(s.form_versions.c.xform).where(s.form_versions.c.id == version_id)
    ).scalar_one()
    found = read_labels(parse_xform(xform.encode("utf-8")), list_name, language)
    with _lock:
        _cache[key] = found
        while len(_cache) > CACHED_FORMS:
            _cache.popitem(last=False)
    return found


def read_labels(schema: FormSchema, list_name: str, language: str) -> ListLabels:
    """The labels one form gives the properties it saves to `list_name`."""
    own = form_language(schema, language)
    titles: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    searched: dict[str, tuple[tuple[str, str], ...]] = {}
    for declaration in schema.entities:
        if declaration.dataset != list_name:
            continue
        for prop in declaration.properties:
            saved = schema.field(prop.xpath)
            if saved is None:
                continue
            sources = _selects_behind(schema, saved)
            labelled = saved if saved.labels else _copied(schema, saved)
            if labelled is not None and prop.name not in titles:
                titles[prop.name] = label_of(labelled.labels, own, prop.name)
            lists = {f.choice_list for f in sources}
            choices = schema.choice_lists.get(lists.pop() or "") if len(lists) == 1 else None
            if choices is None or prop.name in values:
                continue
            values[prop.name] = {c.name: label_of(c.labels, own, c.name) for c in choices.choices}
            searched[prop.name] = tuple(
                (c.name, "\x1f".join(fold(word) for word in (c.name, *c.labels.values())))
                for c in choices.choices
            )
    return ListLabels(titles, values, searched)


def _selects_behind(schema: FormSchema, saved: Field) -> list[Field]:
    """The select questions a property's value comes from: the field itself when it is one,
    else the selects its calculation may return: in `if(${moved} = 'yes', ${new_region},
    ${prev_region})`, `new_region` (a path before `,`, `)` or the end) and not `moved` (one
    compared in a condition)."""
    if saved.choice_list:
        return [saved]
    expression = saved.bind.get("calculate", "")
    returned = re.escape(schema.root_path) + r"(?:/[\w.\-]+)+(?=\s*(?:,|\)|$))"
    paths = re.findall(returned, expression)
    named = (schema.field(path) for path in dict.fromkeys(paths))
    return [f for f in named if f is not None and f.choice_list]


def _copied(schema: FormSchema, saved: Field) -> Field | None:
    """The question a calculation copies as it is (`${visit_outcome}`), whose label the
    property may take; None for anything more (an `if` picks between questions)."""
    expression = saved.bind.get("calculate", "").strip()
    return schema.field(expression) if expression.startswith(schema.root_path) else None
