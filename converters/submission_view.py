"""A submission as a person reads it: every answer under its question's label, in form order,
with choice labels instead of choice names, groups and repeat instances as headings."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from converters.form_logic import label_of
from converters.form_model import DataType, FormSchema
from converters.safe_xml import element_children, local_name, parse_xml

_SKIPPED = {"meta"}


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str  # "heading", "answer", "file", "point"
    label: str
    value: str = ""
    depth: int = 0
    latitude: float | None = None
    longitude: float | None = None


def read_answers(schema: FormSchema, xml: bytes, language: str | None) -> list[Entry]:
    root = parse_xml(xml)
    entries: list[Entry] = []
    _walk(schema, root, "/" + local_name(root), language, 0, entries)
    return entries


def _walk(
    schema: FormSchema,
    element: etree._Element,
    xpath: str,
    language: str | None,
    depth: int,
    entries: list[Entry],
) -> None:
    counts: dict[str, int] = {}
    for child in element_children(element):
        name = local_name(child)
        if depth == 0 and name in _SKIPPED:
            continue
        path = f"{xpath}/{name}"
        field = schema.field(path)
        if field is not None:
            if not field.has_column:
                continue
            text = (child.text or "").strip()
            label = label_of(field.labels, language, field.name)
            if field.data_type is DataType.BINARY and text:
                entries.append(Entry("file", label, text, depth))
            elif field.data_type is DataType.GEOPOINT and text:
                parts = text.split()
                try:
                    latitude, longitude = float(parts[0]), float(parts[1])
                except (IndexError, ValueError):
                    entries.append(Entry("answer", label, text, depth))
                else:
                    entries.append(Entry("point", label, text, depth, latitude, longitude))
            else:
                entries.append(
                    Entry(
                        "answer",
                        label,
                        _display(schema, field.choice_list, field.is_multiple, text, language),
                        depth,
                    )
                )
            continue
        container = schema.repeat(path) or next((g for g in schema.groups if g.xpath == path), None)
        if container is None:
            continue
        heading = label_of(container.labels, language, name)
        if schema.repeat(path) is not None:
            counts[name] = counts.get(name, 0) + 1
            heading = f"{heading} #{counts[name]}"
        entries.append(Entry("heading", heading, depth=depth))
        _walk(schema, child, path, language, depth + 1, entries)


def _display(
    schema: FormSchema, choice_list: str | None, multiple: bool, text: str, language: str | None
) -> str:
    choices = schema.choice_lists.get(choice_list) if choice_list else None
    if choices is None or not text:
        return text
    labels = {c.name: label_of(c.labels, language, c.name) for c in choices.choices}
    values = text.split() if multiple else [text]
    return ", ".join(labels.get(v, v) for v in values)


def read_group(
    schema: FormSchema, xml: bytes, group_xpath: str, language: str | None
) -> list[Entry]:
    """The answers inside one group of a submission (what assistance a follow-up recorded)."""
    root = parse_xml(xml)
    element: etree._Element | None = root
    for name in [part for part in group_xpath.split("/") if part][1:]:
        element = (
            next((c for c in element_children(element) if local_name(c) == name), None)
            if element is not None
            else None
        )
    entries: list[Entry] = []
    if element is not None:
        _walk(schema, element, group_xpath, language, 1, entries)
    return entries


def without_answers(xml: bytes, hidden: frozenset[str]) -> bytes:
    """The submission XML without the elements of the fields at `hidden` xpaths, in every
    repeat instance: what a role that may not read sensitive fields downloads."""
    root = parse_xml(xml)
    _prune(root, "/" + local_name(root), hidden)
    return etree.tostring(root, xml_declaration=False, encoding="unicode").encode("utf-8")


def _prune(element: etree._Element, path: str, hidden: frozenset[str]) -> None:
    for child in element_children(element):
        child_path = f"{path}/{local_name(child)}"
        if child_path in hidden:
            element.remove(child)
        else:
            _prune(child, child_path, hidden)
