"""OData v4 documents as ODK Central serves them: the service document, the EDMX $metadata
(typed from the form schema, repeats as entity sets with navigation) and paging tokens."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from converters.errors import ConversionCode, ConversionError
from converters.export_model import ExportModel, OutField, OutTable, odata_name
from converters.form_model import DataType

EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
EDM = "http://docs.oasis-open.org/odata/ns/edm"
SUBMISSION_NS = "org.opendatakit.submission"
CAPABILITIES = "Org.OData.Capabilities.V1"
EDM_TYPES = {
    DataType.INT: "Edm.Int64",
    DataType.DECIMAL: "Edm.Decimal",
    DataType.BOOLEAN: "Edm.Boolean",
    DataType.DATE: "Edm.Date",
    DataType.DATETIME: "Edm.DateTimeOffset",
    DataType.GEOPOINT: "Edm.GeographyPoint",
    DataType.GEOTRACE: "Edm.GeographyLineString",
    DataType.GEOSHAPE: "Edm.GeographyPolygon",
}
_METADATA = (
    ("submissionDate", "Edm.DateTimeOffset"),
    ("updatedAt", "Edm.DateTimeOffset"),
    ("deletedAt", "Edm.DateTimeOffset"),
    ("submitterId", "Edm.String"),
    ("submitterName", "Edm.String"),
    ("attachmentsPresent", "Edm.Int64"),
    ("attachmentsExpected", "Edm.Int64"),
    ("status", f"{SUBMISSION_NS}.Status"),
    ("reviewState", f"{SUBMISSION_NS}.ReviewState"),
    ("deviceId", "Edm.String"),
    ("edits", "Edm.Int64"),
    ("formVersion", "Edm.String"),
)


def edm_type(field: OutField) -> str:
    if field.field.kind == "time":
        return "Edm.String"  # Central keeps times as the text sent
    return EDM_TYPES.get(field.field.data_type, "Edm.String")


def service_document(model: ExportModel, service_url: str) -> dict[str, object]:
    return {
        "@odata.context": f"{service_url}/$metadata",
        "value": [
            {"name": t.odata_name, "kind": "EntitySet", "url": t.odata_name} for t in model.tables
        ],
    }


# Baobab's own: a scored form's reintegration scores on each submission (see README).
RSS_MEMBERS = (
    ("economic", "Edm.Decimal"),
    ("social", "Edm.Decimal"),
    ("psychosocial", "Edm.Decimal"),
    ("composite", "Edm.Decimal"),
    ("weightVersion", "Edm.String"),
)


def metadata_document(model: ExportModel) -> bytes:
    namespace = f"org.opendatakit.user.{odata_name(model.form_id)}"
    root = etree.Element(f"{{{EDMX}}}Edmx", nsmap={"edmx": EDMX}, Version="4.0")
    services = etree.SubElement(root, f"{{{EDMX}}}DataServices")
    _system_schema(services, scored=model.scored)
    schema = etree.SubElement(
        services, f"{{{EDM}}}Schema", nsmap=_default(EDM), Namespace=namespace
    )
    complex_types: list[tuple[str, list[tuple[str, str]]]] = []
    root_members: list[str] = []
    for table in model.tables:
        entity = etree.SubElement(schema, f"{{{EDM}}}EntityType", Name=table.odata_name)
        etree.SubElement(
            etree.SubElement(entity, f"{{{EDM}}}Key"), f"{{{EDM}}}PropertyRef", Name="__id"
        )
        _property(entity, "__id", "Edm.String")
        if table.is_root:
            _property(entity, "__system", f"{SUBMISSION_NS}.metadata")
            if model.scored:
                _property(entity, "__rss", f"{SUBMISSION_NS}.rss")
        else:
            _property(entity, table.odata_parent_key, "Edm.String")
        members = _members(model, table, namespace, complex_types)
        if table.is_root:
            root_members = [name for name, _kind in members]
        for name, kind in members:
            _member(entity, name, kind)
    for type_name, properties in complex_types:
        complex_type = etree.SubElement(schema, f"{{{EDM}}}ComplexType", Name=type_name)
        for name, kind in properties:
            _member(complex_type, name, kind)
    _container(schema, model, namespace, root_members)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(
        root, encoding="UTF-8", pretty_print=True
    )


def _members(
    model: ExportModel,
    table: OutTable,
    namespace: str,
    complex_types: list[tuple[str, list[tuple[str, str]]]],
) -> list[tuple[str, str]]:
    """The top-level properties of a table's entity in form order: fields, groups (as complex
    types, declared into `complex_types`) and child repeats (as navigation properties)."""
    members: list[tuple[str, str]] = []
    groups: dict[tuple[str, ...], list[tuple[str, str]]] = {(): members}
    prefix = [odata_name(n) for n, _ in table.segments]
    entries = [
        (model.order.get(f.field.xpath, len(model.order)), f.path, edm_type(f))
        for f in table.fields
    ]
    for name in table.children:
        child = model.table(name)
        path = tuple(n for n, _ in child.segments[len(table.segments) :])
        entries.append(
            (
                model.order.get(child.spec.path, len(model.order)),
                path,
                f"Collection({namespace}.{child.odata_name})",
            )
        )
    for _position, path, kind in sorted(entries, key=lambda entry: entry[0]):
        names = tuple(odata_name(p) for p in path)
        for depth in range(1, len(names)):
            key = names[:depth]
            if key not in groups:
                type_name = ".".join([*prefix, *key])
                groups[key] = []
                complex_types.append((type_name, groups[key]))
                groups[key[:-1]].append((key[-1], f"{namespace}.{type_name}"))
        groups[names[:-1]].append((names[-1], kind))
    return members


def _system_schema(parent: etree._Element, *, scored: bool = False) -> None:
    schema = etree.SubElement(
        parent, f"{{{EDM}}}Schema", nsmap=_default(EDM), Namespace=SUBMISSION_NS
    )
    metadata = etree.SubElement(schema, f"{{{EDM}}}ComplexType", Name="metadata")
    for name, kind in _METADATA:
        _property(metadata, name, kind)
    if scored:
        scores = etree.SubElement(schema, f"{{{EDM}}}ComplexType", Name="rss")
        for name, kind in RSS_MEMBERS:
            _property(scores, name, kind)
    for enum, members in (
        ("Status", ("notDecrypted", "missingEncryptedFormData")),
        ("ReviewState", ("hasIssues", "edited", "rejected", "approved")),
    ):
        element = etree.SubElement(schema, f"{{{EDM}}}EnumType", Name=enum)
        for member in members:
            etree.SubElement(element, f"{{{EDM}}}Member", Name=member)


def _container(
    schema: etree._Element, model: ExportModel, namespace: str, root_members: list[str]
) -> None:
    container = etree.SubElement(schema, f"{{{EDM}}}EntityContainer", Name=model.form_id)
    for table in model.tables:
        entity_set = etree.SubElement(
            container,
            f"{{{EDM}}}EntitySet",
            Name=table.odata_name,
            EntityType=f"{namespace}.{table.odata_name}",
        )
        if not table.is_root:
            continue
        _annotation(
            entity_set,
            "ConformanceLevel",
            EnumMember=(f"{CAPABILITIES}.ConformanceLevelType/Minimal"),
        )
        _annotation(entity_set, "BatchSupported", Bool="false")
        _record(_annotation(entity_set, "CountRestrictions"), ("Countable", "true"))
        # Central's two FilterFunctions annotations, reproduced as served (the first is odd,
        # but clients have been built against it).
        functions = etree.SubElement(
            etree.SubElement(
                etree.SubElement(_annotation(entity_set, "FilterFunctions"), f"{{{EDM}}}Record"),
                f"{{{EDM}}}PropertyValue",
                Property="NonCountableProperties",
            ),
            f"{{{EDM}}}Collection",
        )
        etree.SubElement(functions, f"{{{EDM}}}String").text = "eq"
        filterable = _record(
            _annotation(entity_set, "FilterFunctions"),
            ("Filterable", "true"),
            ("RequiresFilter", "false"),
        )
        collection = etree.SubElement(
            etree.SubElement(
                filterable, f"{{{EDM}}}PropertyValue", Property="NonFilterableProperties"
            ),
            f"{{{EDM}}}Collection",
        )
        for name in root_members:
            etree.SubElement(collection, f"{{{EDM}}}PropertyPath").text = name
        _record(_annotation(entity_set, "SortRestrictions"), ("Sortable", "false"))
        _record(_annotation(entity_set, "ExpandRestrictions"), ("Expandable", "false"))


def _annotation(parent: etree._Element, term: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{EDM}}}Annotation", Term=f"{CAPABILITIES}.{term}")
    for name, value in attributes.items():
        element.set(name, value)
    return element


def _record(parent: etree._Element, *values: tuple[str, str]) -> etree._Element:
    record = etree.SubElement(parent, f"{{{EDM}}}Record")
    for name, value in values:
        etree.SubElement(record, f"{{{EDM}}}PropertyValue", Property=name, Bool=value)
    return record


def _property(parent: etree._Element, name: str, kind: str) -> None:
    etree.SubElement(parent, f"{{{EDM}}}Property", Name=name, Type=kind)


def _member(parent: etree._Element, name: str, kind: str) -> None:
    """A property, or a repeat's navigation property (in an entity type, or in the complex
    type of the group that holds the repeat, as Central declares it)."""
    if kind.startswith("Collection("):
        etree.SubElement(parent, f"{{{EDM}}}NavigationProperty", Name=name, Type=kind)
    else:
        _property(parent, name, kind)


def _default(namespace: str) -> dict[str, str]:
    return {None: namespace}  # type: ignore[dict-item]  # lxml's default namespace key


def selectable(model: ExportModel, table: OutTable) -> frozenset[tuple[str, ...]]:
    """Every `$select` path an entity set has: its fields and groups (by OData name), `__id`,
    `__system` and its members on submissions, the parent key and navigation links on
    repeats."""
    paths: set[tuple[str, ...]] = {("__id",)}
    for out in table.fields:
        names = tuple(odata_name(part) for part in out.path)
        paths.update(names[:end] for end in range(1, len(names) + 1))
    if table.is_root:
        paths.add(("__system",))
        paths.update(("__system", name) for name, _kind in _METADATA)
        if model.scored:
            paths.add(("__rss",))
            paths.update(("__rss", name) for name, _kind in RSS_MEMBERS)
    else:
        paths.add((table.odata_parent_key,))
    for child in table.children:
        names = tuple(odata_name(n) for n, _ in model.table(child).segments[len(table.segments) :])
        paths.update(names[:end] for end in range(1, len(names) + 1))
    return frozenset(paths)


@dataclass(frozen=True, slots=True)
class ResourcePath:
    """An entity set addressed by a path, as Central's navigation links write them:
    `Submissions('uuid:…')/hh/members('3f2a…')/jobs` is the set `Submissions.hh.members.jobs`,
    of the submission `uuid:…`, under the `Submissions.hh.members` row `3f2a…`."""

    entity_set: str
    instance_id: str | None = None
    parent_set: str | None = None  # the set of the last row keyed after the submission
    parent_key: str | None = None


_SEGMENT = re.compile(r"(?P<name>[^/(']+)(?:\('(?P<key>(?:[^']|'')*)'\))?")


def parse_resource(resource: str) -> ResourcePath | None:
    """The entity set a resource path names, or None when it is not one. A plain name
    (`Submissions.hh.members`) is returned as it is, for the caller to look up."""
    if "/" not in resource and "(" not in resource:
        return ResourcePath(resource)
    matches = [_SEGMENT.fullmatch(part) for part in resource.split("/")]
    parts = [match for match in matches if match is not None]
    if len(parts) != len(matches):
        return None
    names = [part.group("name") for part in parts]
    keys = [_unquoted(part.group("key")) for part in parts]
    if names[0] != "Submissions" or keys[0] is None:
        return None
    keyed = [index for index, key in enumerate(keys) if key is not None and index > 0]
    last = keyed[-1] if keyed else None
    return ResourcePath(
        ".".join(names),
        keys[0],
        ".".join(names[: last + 1]) if last is not None else None,
        keys[last] if last is not None else None,
    )


def _unquoted(key: str | None) -> str | None:
    return None if key is None else key.replace("''", "'")


def encode_skiptoken(position: dict[str, object]) -> str:
    """Central's token format: '01' then base64 of a JSON object (opaque to clients)."""
    return "01" + base64.b64encode(json.dumps(position).encode("utf-8")).decode("ascii")


def decode_skiptoken(token: str) -> dict[str, object]:
    try:
        if not token.startswith("01"):
            raise ValueError("unknown token version")
        position = json.loads(base64.b64decode(token[2:], validate=True))
    except (ValueError, binascii.Error) as error:
        raise ConversionError(
            ConversionCode.ODATA_BAD_QUERY, reason=f"the $skiptoken is not valid: {error}"
        ) from error
    if not _is_position(position):
        raise ConversionError(ConversionCode.ODATA_BAD_QUERY, reason="the $skiptoken is not valid")
    return dict(position)


def _is_position(position: object) -> bool:
    """What encode_skiptoken writes: {"created": ISO time, "id": int[, "row": int]}."""
    if not isinstance(position, dict) or set(position) - {"created", "id", "row"}:
        return False
    created, ids = position.get("created"), [position.get("id"), position.get("row", 0)]
    if not isinstance(created, str) or not all(type(i) is int for i in ids):
        return False
    try:
        return datetime.fromisoformat(created).tzinfo is not None
    except ValueError:
        return False
