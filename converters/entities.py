"""What a submission asks of ODK Entities: read from its meta/entity elements (dataset, id,
create, update, baseVersion, trunkVersion, branchId, label, as Collect fills them in), one for
the whole submission and one per instance of a repeat that declares an entity (entities-version
2025.1.0), and the answers the form saves to entity properties (save_to). Device input is held
to the ranges below: an action outside them carries its `problem` and is audited, never
applied."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from converters.errors import ConversionCode
from converters.form_model import EntityDeclaration, FormSchema
from converters.safe_xml import element_at, element_children, local_name

_TRUE = {"1", "true", "true()", "yes"}
# Central's rule (lib/data/entity.js, normalizeUuid): an entity id is a UUID, bare or with the
# 'uuid:' prefix of instanceIDs, which is dropped. Central asks for version 4, what Collect,
# Enketo and Web Forms generate (`uuid()`); any version is taken here. The case is kept as
# sent, as the REST API keeps it, so that an update names the entity exactly as the list does.
_UUID = re.compile(
    r"(?:uuid:)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", re.IGNORECASE
)
# Versions are PostgreSQL integers (as Central's int4 columns): a larger one could not be
# stored, and no entity gets anywhere near it.
VERSION_MAX = 2**31 - 1
# Central sets no limit on labels or property values (text columns). These bound what one
# submission can add to an entity list that every device downloads whole: a label is a name
# shown in Collect's choice lists; a property value is an answer, a long note at most.
LABEL_MAX = 1_000
PROPERTY_MAX = 10_000
_ECHO = 100  # how much of a refused value the audit log repeats


@dataclass(frozen=True, slots=True)
class EntityProblem:
    """Why an entity action cannot apply, with a stable code and the values it names."""

    code: ConversionCode
    context: Mapping[str, object]

    @property
    def message(self) -> str:
        return self.code.template.format(**self.context)


@dataclass(frozen=True, slots=True)
class EntityAction:
    dataset: str
    uuid: str  # without 'uuid:'; when the id is not a UUID, its first characters as sent
    create: bool
    update: bool
    base_version: int | None
    label: str | None
    properties: Mapping[str, str]  # property name -> the answer as sent ("" when blank)
    trunk_version: int | None = None  # offline branches: the version the branch started from
    problem: EntityProblem | None = None  # set: the action is audited as an error, not applied
    branch_id: str | None = None  # offline branches: the device's branch ("" is None)


def entity_actions(root: etree._Element, schema: FormSchema) -> list[EntityAction]:
    """One action per entity the submission creates or updates: for each entity the form
    declares, in its order, the one of the whole submission or one per instance of the repeat
    that declares it (Central's submissionXmlToEntityData reads them the same way)."""
    actions = []
    for declaration in schema.entities:
        scope = declaration.scope or schema.root_path
        for instance in _instances(root, scope):
            element = element_at(instance, _within(declaration.xpath, scope))
            if element is None:
                continue
            create = _attribute(element, "create").lower() in _TRUE
            update = _attribute(element, "update").lower() in _TRUE
            if create or update:
                actions.append(_action(instance, scope, declaration, element, create, update))
    return actions


def _instances(root: etree._Element, scope: str) -> list[etree._Element]:
    """Every element at an absolute path, through every instance of the repeats on the way
    (a repeat nested in a repeat has instances in each of its parent's)."""
    found = [root]
    for name in [part for part in scope.split("/") if part][1:]:
        found = [c for e in found for c in element_children(e) if local_name(c) == name]
    return found


def _within(xpath: str, scope: str) -> str:
    """An absolute path as element_at reads it from an instance of `scope` (its root)."""
    return "/" + scope.rsplit("/", 1)[-1] + xpath[len(scope) :]


def _action(
    instance: etree._Element,
    scope: str,
    declaration: EntityDeclaration,
    element: etree._Element,
    create: bool,
    update: bool,
) -> EntityAction:
    raw_id = _attribute(element, "id")
    found = _UUID.fullmatch(raw_id)
    uuid = found.group(1) if found else raw_id[:_ECHO]
    dataset = _attribute(element, "dataset") or declaration.dataset
    label_element = next((c for c in element_children(element) if local_name(c) == "label"), None)
    label = (label_element.text or "").strip() if label_element is not None else ""
    properties = {}
    for prop in declaration.properties:
        answer = element_at(instance, _within(prop.xpath, scope))
        if answer is not None:
            properties[prop.name] = (answer.text or "").strip()
    base, trunk = _attribute(element, "baseVersion"), _attribute(element, "trunkVersion")
    branch = _attribute(element, "branchId")
    problem = (
        _id_problem(declaration, raw_id, found is not None)
        or _list_problem(declaration, dataset)
        or _version_problem(uuid, "baseVersion", base)
        or _version_problem(uuid, "trunkVersion", trunk)
        or _branch_problem(uuid, branch, trunk)
        or _base_problem(uuid, update and not create, base)
        or _length_problem(uuid, label, properties)
    )
    return EntityAction(
        dataset=dataset[:_ECHO] if problem else dataset,
        uuid=uuid,
        create=create,
        update=update,
        base_version=_whole(base),
        label=label or None,
        properties=properties,
        trunk_version=_whole(trunk),
        problem=problem,
        branch_id=(branch or None) if problem is None else None,
    )


def _attribute(element: etree._Element, name: str) -> str:
    return (element.get(name) or "").strip()


def _whole(text: str) -> int | None:
    """A version as sent, when it is one: ASCII digits only (str.isdigit takes '²', which int()
    refuses), and few enough that int() never sees thousands of them."""
    if not re.fullmatch(r"[0-9]{1,10}", text):
        return None
    number = int(text)
    return number if 1 <= number <= VERSION_MAX else None


def _id_problem(declaration: EntityDeclaration, raw_id: str, is_uuid: bool) -> EntityProblem | None:
    if not raw_id:
        return EntityProblem(ConversionCode.ENTITY_NO_ID, {"xpath": declaration.xpath})
    if not is_uuid:
        return EntityProblem(ConversionCode.ENTITY_BAD_ID, {"value": raw_id[:_ECHO]})
    return None


def _list_problem(declaration: EntityDeclaration, dataset: str) -> EntityProblem | None:
    """The list is the form's own: the dataset attribute is a literal of the form's instance, so
    another name was edited on the way, to reach a list the form may not write (Central checks
    the form's declared actions on the list in the same way)."""
    if dataset == declaration.dataset:
        return None
    return EntityProblem(
        ConversionCode.ENTITY_WRONG_LIST,
        {"expected": declaration.dataset, "got": dataset[:_ECHO]},
    )


def _version_problem(uuid: str, field: str, text: str) -> EntityProblem | None:
    if not text or _whole(text) is not None:
        return None
    return EntityProblem(
        ConversionCode.ENTITY_BAD_VERSION,
        {"uuid": uuid, "field": field, "value": text[:_ECHO], "limit": VERSION_MAX},
    )


def _branch_problem(uuid: str, branch: str, trunk: str) -> EntityProblem | None:
    """Central's rules: a branchId is a UUID, and a trunkVersion comes with one."""
    if (branch and not _UUID.fullmatch(branch)) or (trunk and not branch):
        return EntityProblem(
            ConversionCode.ENTITY_BAD_BRANCH, {"uuid": uuid, "value": branch[:_ECHO]}
        )
    return None


def _base_problem(uuid: str, update_only: bool, base: str) -> EntityProblem | None:
    """An update says which version it changes; without one it would overwrite whatever is
    current unseen. Central refuses it too, unless the submission may also create the entity."""
    if update_only and not base:
        return EntityProblem(ConversionCode.ENTITY_NO_BASE_VERSION, {"uuid": uuid})
    return None


def _length_problem(uuid: str, label: str, properties: Mapping[str, str]) -> EntityProblem | None:
    fields = [("label", label, LABEL_MAX)]
    fields += [(f"property '{name}'", value, PROPERTY_MAX) for name, value in properties.items()]
    for field, value, limit in fields:
        if len(value) > limit:
            return EntityProblem(
                ConversionCode.ENTITY_TOO_LONG,
                {"uuid": uuid, "field": field, "length": len(value), "limit": limit},
            )
    return None
