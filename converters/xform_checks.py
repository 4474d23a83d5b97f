"""What a form must not be, to be published: checked once, when it is uploaded (a form already
stored is read as it is). Each problem names the element at fault; for an XLSForm the caller
adds the sheet, row and column, and words the message with the names the designer wrote."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from converters.errors import ConversionCode, FormError, FormIssue
from converters.form_model import FormSchema
from converters.safe_xml import element_children, local_name, parse_xml
from converters.xform_schema import parse_xform, primary_root

# The first entities-version whose forms may create and update entities from repeats.
REPEATS_SINCE = "2025.1"


@dataclass(frozen=True, slots=True)
class StructureProblem:
    code: ConversionCode
    xpath: str  # the element at fault
    context: Mapping[str, object]  # what the message names
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def issue(self) -> FormIssue:
        return FormIssue(
            "error",
            self.code.template.format(**self.context),
            self.sheet,
            self.row,
            self.column,
            "baobab",
            self.xpath,
        )


def structure_problems(xml: bytes) -> tuple[StructureProblem, ...]:
    """Every problem of the form's structure, in the order they are listed here:
    - no meta/instanceID. Central refuses a new form without a `meta` group (400.27,
      lib/model/query/forms.js checkMeta); Baobab asks for meta/instanceID itself, since
      every submission is stored, deduplicated and edited by it. Enketo and Web Forms make one
      up when the form has none, ODK Collect does not: its submissions would all be refused.
    - an element twice in the primary instance outside a repeat: a control binds to one
      of them (JavaRosa resolves `/data/q` to the first), a submission carries both, and a
      table has one column per path, as Central has one field per path: one answer would be
      dropped without a word. Refused, with the path named, rather than guessing which.
    - entities from inside a repeat before entities-version 2025.1.0: Central refuses them
      (400.25 invalidEntityForm, lib/data/schema.js: "entities cannot be populated from fields
      in repeat groups") and creates one entity per repeat instance since, as Baobab does
      (converters/entities.py). A save_to inside a repeat that declares no entity of its own
      would be lost under any version, and is refused too.
    """
    try:
        schema = parse_xform(xml)
    except FormError:
        return ()  # what Baobab cannot read at all, parse_xform's callers refuse on their own
    problems: list[StructureProblem] = []
    instance_id = f"{schema.root_path}/meta/instanceID"
    if schema.field(instance_id) is None:
        name = schema.root_path.lstrip("/")
        problems.append(
            StructureProblem(ConversionCode.FORM_NO_INSTANCE_ID, instance_id, {"root": name})
        )
    root = primary_root(parse_xml(xml, for_form=True))
    repeats = {r.xpath for r in schema.repeats}
    for xpath, count in _duplicates(root, schema.root_path, repeats):
        problems.append(
            StructureProblem(
                ConversionCode.FORM_DUPLICATE_PATH, xpath, {"xpath": xpath, "count": count}
            )
        )
    problems += _entities_in_repeats(schema)
    return tuple(problems)


def refuse(problems: Sequence[StructureProblem]) -> None:
    """Raise one FormError listing every problem, under the code of the first."""
    if problems:
        first = problems[0]
        raise FormError(first.code, tuple(p.issue() for p in problems), **first.context)


def _duplicates(element: etree._Element, path: str, repeats: set[str]) -> Iterator[tuple[str, int]]:
    counts = Counter(local_name(c) for c in element_children(element))
    seen: set[str] = set()
    for child in element_children(element):
        child_path = f"{path}/{local_name(child)}"
        if child_path in seen:
            continue  # a repeat's instances (and pyxform's jr:template copy) are expected
        seen.add(child_path)
        if counts[local_name(child)] > 1 and child_path not in repeats:
            yield child_path, counts[local_name(child)]
        yield from _duplicates(child, child_path, repeats)


def _entities_in_repeats(schema: FormSchema) -> Iterator[StructureProblem]:
    version = schema.entities_version or ""
    scoped = set()
    for entity in schema.entities:
        if entity.scope is not None:
            scoped.add(entity.scope)
            if version < REPEATS_SINCE:
                yield StructureProblem(
                    ConversionCode.ENTITY_IN_REPEAT,
                    entity.xpath,
                    {
                        "dataset": entity.dataset,
                        "repeat": entity.scope,
                        "version": version or "none",
                    },
                )
    for field in schema.fields:
        if field.saveto and field.repeat is not None and field.repeat not in scoped:
            yield StructureProblem(
                ConversionCode.ENTITY_PROPERTY_IN_REPEAT,
                field.xpath,
                {"field": field.xpath, "repeat": field.repeat, "property": field.saveto},
            )
