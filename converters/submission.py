"""Submission XML -> typed rows for the form's tables, and the attachment names it refers to.

The rows follow a TablePlan: one root row, one row per repeat instance (keyed so that nested
repeats can point at their parent), one row per chosen value of a select_multiple or rank.
Values are converted to the type of the column they land in, so a field whose column was
widened by a later form version still fits. An empty element and an absent one both give NULL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from lxml import etree

from converters.errors import ConversionCode, SubmissionError
from converters.form_model import DataType, FormSchema
from converters.safe_xml import element_children, local_name, parse_xml
from converters.submission_values import TYPED_ROLES, check_points, convert, file_name
from converters.table_plan import ColumnRole, ColumnSpec, SqlType, TableKind, TablePlan, TableSpec
from converters.xform_schema import version_attribute

# instanceID and deprecatedID: Central's 'uuid:' and a UUID, as Collect, Enketo and ODK Web
# Forms generate them, and the ids of older or custom clients (Aggregate's, a calculated
# `concat('uuid:', uuid())`), all within this set. The id names files (`<id>.xml` downloads),
# export rows and URLs, so nothing else is let in: no spaces, slashes, quotes or controls.
INSTANCE_ID_MAX = 100
_INSTANCE_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9:._-]{{0,{INSTANCE_ID_MAX - 1}}}")


@dataclass(frozen=True, slots=True)
class Envelope:
    """What identifies a submission, read before its form is known."""

    form_id: str
    version: str | None
    instance_id: str
    deprecated_id: str | None
    instance_name: str | None
    root_name: str


@dataclass(frozen=True, slots=True)
class RowRecord:
    table: str
    key: int  # unique within one submission; parents have smaller keys than their children
    parent: int | None
    ordinal: int  # 1-based position among its siblings
    values: Mapping[str, object] = field(default_factory=dict)
    # For repeat rows, the way down from the root: (name, 0-based index) for each repeat and
    # (name, None) for each group. ODK Central's row keys are built from it.
    segments: tuple[tuple[str, int | None], ...] = ()


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    name: str
    xpath: str


@dataclass(frozen=True, slots=True)
class SubmissionRows:
    rows: tuple[RowRecord, ...]
    attachments: tuple[AttachmentRef, ...]


def parse_submission(xml: bytes, *, check_ids: bool = True) -> tuple[Envelope, etree._Element]:
    """Parse untrusted submission XML and read its envelope (form id, version, instanceID).
    `check_ids=False` reads XML stored before instanceIDs were held to a character set."""
    root = parse_xml(xml)
    form_id = (root.get("id") or "").strip()
    if not form_id:
        raise SubmissionError(ConversionCode.SUBMISSION_NO_FORM_ID, root=local_name(root))
    meta = _meta(root)
    instance_id = _child_text(meta, "instanceID") or (root.get("instanceID") or "").strip()
    if not instance_id:
        raise SubmissionError(ConversionCode.SUBMISSION_NO_INSTANCE_ID)
    envelope = Envelope(
        form_id=form_id,
        version=(root.get(version_attribute(root) or "version") or "").strip() or None,
        instance_id=instance_id,
        deprecated_id=_child_text(meta, "deprecatedID"),
        instance_name=_child_text(meta, "instanceName"),
        root_name=local_name(root),
    )
    if check_ids:
        _check_id("meta/instanceID", envelope.instance_id)
        if envelope.deprecated_id is not None:
            _check_id("meta/deprecatedID", envelope.deprecated_id)
    return envelope, root


def _check_id(field_name: str, value: str) -> None:
    if not _INSTANCE_ID.fullmatch(value):
        raise SubmissionError(
            ConversionCode.SUBMISSION_BAD_ID,
            field=field_name,
            value=value[:INSTANCE_ID_MAX],
            limit=INSTANCE_ID_MAX,
        )


def submission_rows(
    root: etree._Element,
    schema: FormSchema,
    plan: TablePlan,
    *,
    max_repeat_instances: int | None = None,
) -> SubmissionRows:
    """Every row the submission gives each table of the plan, values typed by column; more
    than `max_repeat_instances` repeat instances in all is refused before the rest is read."""
    builder = _RowBuilder(_reader(schema, plan), max_repeat_instances)
    builder.add(root, plan.root, None, 1)
    return SubmissionRows(tuple(builder.rows), tuple(builder.attachments))


def _meta(root: etree._Element) -> etree._Element | None:
    return next((c for c in element_children(root) if local_name(c) == "meta"), None)


def _child_text(parent: etree._Element | None, name: str) -> str | None:
    if parent is None:
        return None
    child = next((c for c in element_children(parent) if local_name(c) == name), None)
    text = (child.text or "").strip() if child is not None else ""
    return text or None


@dataclass(frozen=True, slots=True)
class _Column:
    """How one column's value is read: where, and what is checked or converted on the way."""

    spec: ColumnSpec
    typed: bool  # converted (a number, a date, a part of a point), not kept as the text sent
    line: DataType | None  # a geotrace or geoshape: each point checked
    binary: bool  # a file name: an attachment the submission refers to


@dataclass(frozen=True, slots=True)
class _Reader:
    """What reading a submission into a plan's rows needs, worked out once per schema and plan
    (a form version's submissions all share them) instead of once per submission."""

    root_path: str
    columns: Mapping[str, tuple[_Column, ...]]  # by table name
    children: Mapping[str, tuple[TableSpec, ...]]
    repeat_paths: frozenset[str]


_READERS: dict[tuple[int, int], tuple[FormSchema, TablePlan, _Reader]] = {}
_READERS_MAX = 64


def _reader(schema: FormSchema, plan: TablePlan) -> _Reader:
    key = (id(schema), id(plan))
    found = _READERS.get(key)
    if found is not None and found[0] is schema and found[1] is plan:
        return found[2]
    binary = {f.xpath for f in schema.fields if f.data_type is DataType.BINARY}
    lines = {
        f.xpath: f.data_type
        for f in schema.fields
        if f.data_type in (DataType.GEOTRACE, DataType.GEOSHAPE)
    }
    children: dict[str, list[TableSpec]] = {}
    for table in plan.tables:
        if table.parent is not None:
            children.setdefault(table.parent, []).append(table)
    reader = _Reader(
        root_path=schema.root_path,
        columns={
            table.name: tuple(
                _Column(
                    column,
                    typed=column.role in TYPED_ROLES
                    or (column.role is ColumnRole.VALUE and column.sql_type is not SqlType.TEXT),
                    line=lines.get(column.xpath) if column.role is ColumnRole.VALUE else None,
                    binary=column.role is ColumnRole.VALUE and column.xpath in binary,
                )
                for column in table.columns
            )
            for table in plan.tables
        },
        children={name: tuple(tables) for name, tables in children.items()},
        repeat_paths=frozenset(t.path for t in plan.tables if t.kind is TableKind.REPEAT),
    )
    if len(_READERS) >= _READERS_MAX:
        _READERS.clear()
    # The schema and plan are kept with their reader, so their ids cannot be reused meanwhile.
    _READERS[key] = (schema, plan, reader)
    return reader


class _RowBuilder:
    def __init__(self, reader: _Reader, max_repeats: int | None) -> None:
        self.reader = reader
        self.max_repeats = max_repeats
        self.repeats = 0
        self.rows: list[RowRecord] = []
        self.attachments: list[AttachmentRef] = []

    def add(
        self,
        element: etree._Element,
        table: TableSpec,
        parent: int | None,
        ordinal: int,
        segments: tuple[tuple[str, int | None], ...] = (),
    ) -> None:
        reader = self.reader
        path = table.path if table.kind is not TableKind.ROOT else reader.root_path
        nodes: dict[str, etree._Element] = {}
        self._leaves(element, path, nodes)
        key = len(self.rows)
        values: dict[str, object] = {}
        for column in reader.columns[table.name]:
            spec = column.spec
            node = nodes.get(spec.xpath)
            text = node.text if node is not None else None
            if not text or text.isspace():  # whitespace alone counts as unanswered
                values[spec.name] = None
                continue
            values[spec.name] = convert(text, spec) if column.typed else text
            if column.line is not None:
                check_points(text, spec, column.line)
            if column.binary:
                self.attachments.append(AttachmentRef(file_name(text, spec), spec.xpath))
        self.rows.append(RowRecord(table.name, key, parent, ordinal, values, segments))
        for child in reader.children.get(table.name, ()):
            if child.kind is TableKind.REPEAT:
                *groups, name = child.path[len(path) + 1 :].split("/")
                between = segments + tuple((group, None) for group in groups)
                for position, instance in enumerate(self._instances(element, path, child.path)):
                    self._count_repeat(child.path)
                    self.add(instance, child, key, position + 1, (*between, (name, position)))
            else:
                self._add_selection(child, key, nodes.get(child.path))

    def _count_repeat(self, xpath: str) -> None:
        self.repeats += 1
        if self.max_repeats is not None and self.repeats > self.max_repeats:
            raise SubmissionError(
                ConversionCode.SUBMISSION_TOO_MANY_REPEATS, xpath=xpath, limit=self.max_repeats
            )

    def _add_selection(self, table: TableSpec, parent: int, node: etree._Element | None) -> None:
        column = table.columns[0]
        for position, item in enumerate((node.text or "").split() if node is not None else []):
            self.rows.append(
                RowRecord(table.name, len(self.rows), parent, position + 1, {column.name: item})
            )

    def _leaves(self, element: etree._Element, path: str, found: dict[str, etree._Element]) -> None:
        """Into `found`, the first element at each leaf xpath of this table instance, not
        entering child repeats."""
        repeat_paths = self.reader.repeat_paths
        for child in element.iterchildren(etree.Element):
            tag: str = child.tag
            child_path = f"{path}/{tag[tag.rfind('}') + 1 :]}"
            if child_path in repeat_paths:
                continue
            if len(child) and next(child.iterchildren(etree.Element), None) is not None:
                self._leaves(child, child_path, found)
            elif child_path not in found:
                found[child_path] = child

    def _instances(
        self, element: etree._Element, path: str, repeat_path: str
    ) -> Iterator[etree._Element]:
        """The instances of a repeat, found under groups between this table and the repeat."""
        relative = repeat_path[len(path) + 1 :].split("/")
        level = [element]
        for name in relative:
            level = [c for e in level for c in element_children(e) if local_name(c) == name]
        yield from level
