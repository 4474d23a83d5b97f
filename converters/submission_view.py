"""A submission as a person reads it: every answer under its question's label, in form order,
with choice labels instead of choice names, groups and repeat instances as headings, and
optionally a window of each repeat's instances (a page of them) rather than all of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from converters.form_logic import label_of
from converters.form_model import DataType, Field, FormSchema, Group, Repeat
from converters.safe_xml import element_children, local_name, parse_xml

_SKIPPED = {"meta"}


@dataclass(frozen=True, slots=True)
class RepeatWindow:
    """Which instances of a repeat are shown: numbers `first` to `last` of `total`."""

    xpath: str
    first: int
    last: int
    total: int


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str  # "heading", "answer", "file", "point", "window" (before a repeat's instances)
    label: str
    value: str = ""
    depth: int = 0
    latitude: float | None = None
    longitude: float | None = None
    window: RepeatWindow | None = None


@dataclass(frozen=True, slots=True)
class _Paging:
    size: int
    starts: Mapping[str, int]


def read_answers(
    schema: FormSchema,
    xml: bytes,
    language: str | None,
    *,
    per_repeat: int | None = None,
    starts: Mapping[str, int] | None = None,
) -> list[Entry]:
    """With `per_repeat`, at most that many instances of each repeat (in each instance of
    its parent), from number `starts[repeat xpath]` (1 unless given), after a "window" entry
    saying which; and a question or group found twice outside a repeat shows once. The
    entries are then bounded by the form, not by the submission (one can hold 100,000
    instances)."""
    root = parse_xml(xml)
    entries: list[Entry] = []
    paging = _Paging(per_repeat, starts or {}) if per_repeat is not None else None
    _walk(schema, root, "/" + local_name(root), language, 0, entries, paging)
    return entries


def _walk(
    schema: FormSchema,
    element: etree._Element,
    xpath: str,
    language: str | None,
    depth: int,
    entries: list[Entry],
    paging: _Paging | None = None,
) -> None:
    counts: dict[str, int] = {}
    shown: dict[str, range] = {}  # repeat name -> the instance numbers shown
    known: dict[str, tuple[Field | None, Repeat | Group | None]] = {}
    children = element_children(element)
    for child in children:
        name = local_name(child)
        if depth == 0 and name in _SKIPPED:
            continue
        path = f"{xpath}/{name}"
        if name not in known:
            known[name] = (schema.field(path), _container(schema, path))
        elif paging is not None and not isinstance(known[name][1], Repeat):
            continue  # one answer per question outside repeats: a copy is noise
        field, container = known[name]
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
        if container is None:
            continue
        heading = label_of(container.labels, language, name)
        if isinstance(container, Repeat):
            number = counts[name] = counts.get(name, 0) + 1
            if paging is not None and number == 1:
                total = sum(1 for c in children if local_name(c) == name)
                shown[name] = _window(paging, path, total, heading, depth, entries)
            if paging is not None and number not in shown[name]:
                continue
            heading = f"{heading} #{number}"
        entries.append(Entry("heading", heading, depth=depth))
        _walk(schema, child, path, language, depth + 1, entries, paging)


def _container(schema: FormSchema, path: str) -> Repeat | Group | None:
    return schema.repeat(path) or next((g for g in schema.groups if g.xpath == path), None)


def _window(
    paging: _Paging, path: str, total: int, heading: str, depth: int, entries: list[Entry]
) -> range:
    """The numbers of the instances shown of a repeat that has `total`; when that is not all
    of them, a "window" entry before them says which."""
    first = min(max(paging.starts.get(path, 1), 1), max(total - paging.size + 1, 1))
    last = min(first + paging.size - 1, total)
    if total > paging.size:
        window = RepeatWindow(path, first, last, total)
        entries.append(Entry("window", heading, depth=depth, window=window))
    return range(first, last + 1)


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
