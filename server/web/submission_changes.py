"""What an edit changed: the answers that differ between two versions of a submission's XML,
under their labels, for the edit history of the submission's page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from converters.form_logic import label_of
from converters.form_model import FormSchema
from converters.submission import parse_submission

_POSITION = re.compile(r"\[\d+\]")
_META = "meta"  # instanceID, deprecatedID, the entity block: not answers


@dataclass(frozen=True, slots=True)
class Change:
    label: str  # the question's label (with the repeat instance's number)
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Changes:
    shown: tuple[Change, ...]
    hidden: int  # changed fields the reader may not see (sensitive ones)


def changes(
    schema: FormSchema, before: str, after: str, hidden: frozenset[str], language: str | None
) -> Changes:
    repeats = frozenset(r.xpath for r in schema.repeats)
    old, new = _answers(before, repeats), _answers(after, repeats)
    shown, unseen = [], 0
    for key in sorted(old.keys() | new.keys(), key=_order(new, old)):
        if old.get(key, "") == new.get(key, ""):
            continue
        xpath = _POSITION.sub("", key)
        if xpath in hidden:
            unseen += 1
            continue
        field = schema.field(xpath)
        label = label_of(field.labels, language, field.name) if field else xpath
        positions = re.findall(r"\[(\d+)\]", key)
        if positions:
            label = f"{label} (#{', #'.join(positions)})"
        shown.append(Change(label, old.get(key, ""), new.get(key, "")))
    return Changes(tuple(shown), unseen)


def _order(*versions: dict[str, str]):  # type: ignore[no-untyped-def]
    """Keys in document order: as they come in the newer version, then the older one."""
    place: dict[str, int] = {}
    for version in versions:
        for key in version:
            place.setdefault(key, len(place))
    return lambda key: place[key]


def _answers(xml: str, repeats: frozenset[str]) -> dict[str, str]:
    """Every leaf of the XML by its path, each repeat instance numbered (`.../member[2]/age`)."""
    _envelope, root = parse_submission(xml.encode("utf-8"), check_ids=False)
    found: dict[str, str] = {}

    def walk(element: etree._Element, path: str, plain: str) -> None:
        seen: dict[str, int] = {}
        for child in element:
            if not isinstance(child.tag, str):
                continue  # comments, processing instructions
            name = etree.QName(child).localname
            if name == _META:
                continue
            seen[name] = seen.get(name, 0) + 1
            child_plain = f"{plain}/{name}"
            step = f"{name}[{seen[name]}]" if child_plain in repeats else name
            if any(isinstance(c.tag, str) for c in child):
                walk(child, f"{path}/{step}", child_plain)
            else:
                found[f"{path}/{step}"] = (child.text or "").strip()

    top = "/" + etree.QName(root).localname
    walk(root, top, top)
    return found
