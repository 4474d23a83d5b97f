"""The form model that parse_xform derives from an XForm: fields, groups, repeats, choice lists,
entity declarations. Plain frozen records, shared by every converter."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from converters.errors import FormIssue

_TRUE = {"true()", "true", "1", "yes"}
_FALSE = {"false()", "false", "0", "no"}


class DataType(StrEnum):
    """What a field's value is, from its bind type."""

    STRING = "string"
    INT = "int"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "dateTime"
    TIME = "time"
    GEOPOINT = "geopoint"
    GEOTRACE = "geotrace"
    GEOSHAPE = "geoshape"
    BINARY = "binary"


@dataclass(frozen=True, slots=True)
class Choice:
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    extras: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChoiceList:
    id: str
    choices: tuple[Choice, ...] = ()
    source: str | None = None  # jr://file-csv/... for lists served as form media


@dataclass(frozen=True, slots=True)
class Field:
    """One leaf of the primary instance."""

    xpath: str
    name: str
    kind: str  # the XLSForm-level type: text, integer, select_one, image, start, note ...
    data_type: DataType
    bind_type: str
    control: str | None  # the body element: input, select1, select, rank, upload, ...
    repeat: str | None  # xpath of the innermost enclosing repeat; None at the root
    labels: Mapping[str, str] = field(default_factory=dict)
    hints: Mapping[str, str] = field(default_factory=dict)
    choice_list: str | None = None
    choice_filter: str | None = None
    mediatype: str | None = None
    appearance: str | None = None
    bind: Mapping[str, str] = field(default_factory=dict)  # every bind attribute, prefixed

    @property
    def has_column(self) -> bool:
        return self.kind != "note"

    @property
    def is_multiple(self) -> bool:
        return self.kind in ("select_multiple", "rank")

    @property
    def sensitive(self) -> bool:
        return self.bind.get("baobab:sensitive", "").strip().lower() in _TRUE

    @property
    def declared_not_sensitive(self) -> bool:
        """Marked `false` on purpose: a calculation the designer wants every role to read
        although it is computed from a sensitive field (an age from a date of birth)."""
        return self.bind.get("baobab:sensitive", "").strip().lower() in _FALSE

    @property
    def saveto(self) -> str | None:
        return self.bind.get("entities:saveto")


@dataclass(frozen=True, slots=True)
class Group:
    xpath: str
    name: str
    repeat: str | None
    labels: Mapping[str, str] = field(default_factory=dict)
    relevant: str | None = None


@dataclass(frozen=True, slots=True)
class Repeat:
    xpath: str
    name: str
    parent: str | None  # the enclosing repeat's xpath, None when directly under the root
    labels: Mapping[str, str] = field(default_factory=dict)
    count: str | None = None


@dataclass(frozen=True, slots=True)
class EntityProperty:
    name: str
    xpath: str


@dataclass(frozen=True, slots=True)
class EntityDeclaration:
    dataset: str
    xpath: str  # of the meta/entity element
    scope: str | None  # the repeat the entity belongs to; None for the whole submission
    create: str | None  # literal attribute or the bind's calculate expression
    update: str | None
    label: str | None
    properties: tuple[EntityProperty, ...] = ()


@dataclass(frozen=True, slots=True)
class FormIdentity:
    form_id: str
    version: str | None
    title: str | None
    root_name: str


@dataclass(frozen=True, slots=True)
class FormSchema:
    form_id: str
    version: str | None
    title: str
    root_path: str
    fields: tuple[Field, ...]
    groups: tuple[Group, ...] = ()
    repeats: tuple[Repeat, ...] = ()
    choice_lists: Mapping[str, ChoiceList] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    default_language: str | None = None
    entities: tuple[EntityDeclaration, ...] = ()
    entities_version: str | None = None
    media_files: tuple[str, ...] = ()  # file names the form references (jr://file...)
    order: tuple[str, ...] = ()  # the xpath of every group, repeat and field, in form order

    def field(self, xpath: str) -> Field | None:
        return next((f for f in self.fields if f.xpath == xpath), None)

    def repeat(self, xpath: str) -> Repeat | None:
        return next((r for r in self.repeats if r.xpath == xpath), None)

    def sensitive_xpaths(self) -> frozenset[str]:
        """The fields marked sensitive, and what the form computes from them without a mark of
        its own, however many calculations away: a `full_name` concatenating the names, the
        instance name (`meta/instanceName`) built from it, an entity's label
        (`meta/entity/label`) built from a sensitive field, as the intake's is from the
        returnee's names. A calculation marked `false` stays readable, and so does what is
        computed from it alone."""
        hidden = {f.xpath for f in self.fields if f.sensitive}
        computed = [
            f
            for f in self.fields
            if f.bind.get("calculate") and not f.sensitive and not f.declared_not_sensitive
        ]
        grew = True
        while grew:  # until no calculation reads a hidden field it is not hidden with
            grew = False
            for f in computed:
                if f.xpath not in hidden and self._reads(f, f.bind["calculate"], hidden):
                    hidden.add(f.xpath)
                    grew = True
        labels = {
            f"{entity.xpath}/label"
            for entity in self.entities
            if entity.label and any(_mentions(entity.label, xpath) for xpath in hidden)
        }
        return frozenset(hidden | labels)

    def _reads(self, computed: Field, expression: str, hidden: set[str]) -> bool:
        """Whether `expression`, `computed`'s calculation, reads one of the `hidden` fields:
        by its absolute path, or by a relative one (`../name`, as pyxform writes a reference
        within the same repeat) ending in the name of a hidden field of that repeat."""
        if any(_mentions(expression, xpath) for xpath in hidden):
            return True
        relative = set(re.findall(r"\.\./(?:\.\./)*(?:[\w.\-]+/)*([\w.\-]+)", expression))
        return any(
            f.name in relative and f.repeat == computed.repeat
            for f in self.fields
            if f.xpath in hidden
        )


def _mentions(expression: str, xpath: str) -> bool:
    """Whether an XPath expression refers to `xpath` itself (not a longer name it begins)."""
    return re.search(re.escape(xpath) + r"(?![\w.\-/])", expression) is not None


@dataclass(frozen=True, slots=True)
class CompiledForm:
    """An XForm ready to publish, with what a designer needs to read about it."""

    xform: str
    form_id: str
    version: str
    title: str
    file_type: str
    warnings: tuple[FormIssue, ...] = ()
    itemsets: str | None = None
    name_rows: Mapping[str, int] = field(default_factory=dict)
