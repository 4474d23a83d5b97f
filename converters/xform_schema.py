"""XForm XML -> FormSchema: every field, group, repeat, choice list and entity, from the XForm.

The primary instance gives the tree, binds give types, the body gives controls and labels, and
itext gives the labels per language. See notes/pyxform.md section 2 for the rules followed here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from lxml import etree

from converters.errors import ConversionCode, FormError
from converters.form_model import (
    Choice,
    ChoiceList,
    DataType,
    EntityDeclaration,
    EntityProperty,
    Field,
    FormIdentity,
    FormSchema,
    Group,
    Repeat,
)
from converters.safe_xml import element_children, local_name, parse_xml
from converters.xform_kinds import BIND_TYPES, field_kind
from converters.xform_labels import (
    DEFAULT_LANGUAGE,
    read_choice_lists,
    read_labels,
    read_translations,
)
from converters.xform_paths import absolute_path

XF = "http://www.w3.org/2002/xforms"
H = "http://www.w3.org/1999/xhtml"
JR = "http://openrosa.org/javarosa"
ODK = "http://www.opendatakit.org/xforms"
ORX = "http://openrosa.org/xforms"
ENTITIES = "http://www.opendatakit.org/xforms/entities"
KNOWN_PREFIXES = {JR: "jr", ODK: "odk", ORX: "orx", ENTITIES: "entities", XF: ""}
SUPPORTED_ENTITIES_VERSIONS = ("2022.1", "2023.1", "2024.1", "2025.1")

_INSTANCE_REF = re.compile(r"instance\(\s*'([^']+)'\s*\)")


def read_form_identity(xml: bytes) -> FormIdentity:
    """The form id, version, title and root name, without deriving the whole schema."""
    html = parse_xml(xml, for_form=True)
    root = primary_root(html)
    form_id = (root.get("id") or "").strip()
    if not form_id:
        raise FormError(
            ConversionCode.XFORM_INVALID, reason="the primary instance root has no 'id' attribute"
        )
    title = html.findtext(f"{{{H}}}head/{{{H}}}title")
    version_key = version_attribute(root)
    version = (root.get(version_key) or "").strip() if version_key else ""
    return FormIdentity(
        form_id,
        version or None,
        (title or "").strip() or None,
        local_name(root),
    )


def version_attribute(root: etree._Element) -> str | None:
    """The key of a form's or a submission's version attribute on its root. Central reads the
    first attribute whose local name is `version` (lib/model/frames/form.js and submission.js:
    `attr('version')` strips prefixes), so `orx:version` counts, and a form with neither is
    taken with the version ''."""
    return next((str(k) for k in root.attrib if etree.QName(k).localname == "version"), None)


def parse_xform(xml: bytes) -> FormSchema:
    """Derive the complete schema of a form from its XForm."""
    html = parse_xml(xml, for_form=True)
    model = _model(html)
    identity = read_form_identity(xml)
    if model.find(f"{{{XF}}}submission[@base64RsaPublicKey]") is not None:
        raise FormError(
            ConversionCode.XFORM_UNSUPPORTED,
            reason="encrypted forms (settings 'public_key'): Baobab must read "
            "submissions to build tables; remove the public_key setting",
        )
    entities_version = model.get(f"{{{ENTITIES}}}entities-version")
    if entities_version and not entities_version.startswith(SUPPORTED_ENTITIES_VERSIONS):
        raise FormError(
            ConversionCode.XFORM_UNSUPPORTED,
            reason=f"entities-version {entities_version} (supported: 2022.1 to 2025.1)",
        )
    translations, default_language = read_translations(model)
    root_path = "/" + identity.root_name
    reader = _Reader(model, html.find(f"{{{H}}}body"), translations, root_path)
    reader.walk(primary_root(html))
    languages = tuple(translations) or (DEFAULT_LANGUAGE,)
    return FormSchema(
        form_id=identity.form_id,
        version=identity.version,
        title=identity.title or identity.form_id,
        root_path=root_path,
        fields=tuple(reader.fields),
        groups=tuple(reader.groups),
        repeats=tuple(reader.repeats),
        choice_lists=read_choice_lists(model, translations, reader.inline_lists),
        languages=languages,
        default_language=default_language,
        entities=tuple(reader.entity_declarations()),
        entities_version=entities_version,
        media_files=_media_files(xml),
        order=tuple(reader.order),
    )


def _model(html: etree._Element) -> etree._Element:
    model = html.find(f"{{{H}}}head/{{{XF}}}model")
    if model is None:
        raise FormError(ConversionCode.XFORM_INVALID, reason="no <h:head>/<model> element")
    return model


def primary_root(html: etree._Element) -> etree._Element:
    instance = _model(html).find(f"{{{XF}}}instance")
    children = element_children(instance) if instance is not None else []
    if not children:
        raise FormError(ConversionCode.XFORM_INVALID, reason="no primary <instance> root")
    return children[0]


def _prefixed(element: etree._Element, name: str) -> str:
    qname = etree.QName(name)
    if qname.namespace is None:
        return qname.localname
    prefix = KNOWN_PREFIXES.get(qname.namespace)
    if prefix is None:
        prefix = next((p for p, uri in element.nsmap.items() if uri == qname.namespace and p), "")
    return f"{prefix}:{qname.localname}" if prefix else qname.localname


class _Reader:
    """Walks the primary instance, matching binds and body controls by absolute path."""

    def __init__(
        self,
        model: etree._Element,
        body: etree._Element | None,
        translations: Mapping[str, Mapping[str, str]],
        root_path: str,
    ) -> None:
        self.translations = translations
        self.binds: dict[str, dict[str, str]] = {}
        self.bind_ids: dict[str, str] = {}  # <bind id="x">, which a control names as bind="x"
        for bind in model.iter(f"{{{XF}}}bind"):
            nodeset = absolute_path(bind.get("nodeset") or bind.get("ref") or "", root_path)
            attrs = {
                _prefixed(bind, str(k)): str(v)
                for k, v in bind.attrib.items()
                if k not in ("nodeset", "ref")
            }
            self.binds.setdefault(nodeset, {}).update(attrs)
            if bind.get("id"):
                self.bind_ids[bind.get("id", "")] = nodeset
        self.controls: dict[str, etree._Element] = {}
        self.group_controls: dict[str, etree._Element] = {}
        self.repeat_controls: dict[str, etree._Element] = {}
        if body is not None:
            self._index_body(body, root_path)
        self.fields: list[Field] = []
        self.groups: list[Group] = []
        self.repeats: list[Repeat] = []
        self.inline_lists: dict[str, ChoiceList] = {}
        self.order: list[str] = []  # every group, repeat and field, in document order
        self.entity_elements: list[tuple[str, str | None, etree._Element]] = []

    def _index_body(self, element: etree._Element, context: str) -> None:
        for child in element_children(element):
            name = local_name(child)
            ref = child.get("nodeset") if name == "repeat" else child.get("ref")
            if not ref and child.get("bind") in self.bind_ids:
                ref = self.bind_ids[child.get("bind", "")]
            path = absolute_path(ref, context) if ref else context
            if name == "repeat" and ref:
                self.repeat_controls[path] = child
            elif name == "group":
                if ref:
                    self.group_controls.setdefault(path, child)
            elif ref and name not in ("label", "hint", "itemset", "item", "value", "setvalue"):
                self.controls[path] = child
                continue
            self._index_body(child, path)

    def walk(self, root: etree._Element) -> None:
        self._walk(root, "/" + local_name(root), None)

    def _walk(self, element: etree._Element, path: str, repeat: str | None) -> None:
        seen: set[str] = set()
        for child in element_children(element):
            name = local_name(child)
            child_path = f"{path}/{name}"
            if child_path in seen:
                continue  # pyxform writes a jr:template copy and a default copy of repeats
            seen.add(child_path)
            if name == "entity" and local_name(element) == "meta":
                self.entity_elements.append((child_path, repeat, child))
                continue
            self.order.append(child_path)
            is_repeat = (
                child_path in self.repeat_controls or child.get(f"{{{JR}}}template") is not None
            )
            if is_repeat:
                self._add_repeat(child_path, name, repeat)
                self._walk(child, child_path, child_path)
            elif element_children(child) or (
                child_path in self.group_controls and child_path not in self.binds
            ):
                group = self.group_controls.get(child_path)
                self.groups.append(
                    Group(
                        child_path,
                        name,
                        repeat,
                        read_labels(group, "label", self.translations),
                        self.binds.get(child_path, {}).get("relevant"),
                    )
                )
                self._walk(child, child_path, repeat)
            else:
                self.fields.append(self._field(child_path, name, repeat))

    def _add_repeat(self, path: str, name: str, parent: str | None) -> None:
        control = self.repeat_controls.get(path)
        wrapper = self.group_controls.get(path)
        labels = read_labels(wrapper, "label", self.translations) or read_labels(
            control, "label", self.translations
        )
        count = control.get(f"{{{JR}}}count") if control is not None else None
        self.repeats.append(Repeat(path, name, parent, labels, count))

    def _field(self, path: str, name: str, repeat: str | None) -> Field:
        bind = self.binds.get(path, {})
        control = self.controls.get(path)
        control_name = local_name(control) if control is not None else None
        bind_type = bind.get("type", "string").strip()
        data_type = BIND_TYPES.get(bind_type.split(":")[-1], DataType.STRING)
        if control_name == "upload":  # a file the device sends, whatever the bind says
            data_type = DataType.BINARY
        choice_list, choice_filter = self._choices(path, control)
        mediatype = control.get("mediatype") if control is not None else None
        kind = field_kind(name, path, bind, bind_type, data_type, control_name, mediatype)
        if kind == "select_one" and data_type is not DataType.STRING:
            data_type = DataType.STRING
        if kind == "audit":  # Central too: `/meta/audit` is a file (lib/data/schema.js)
            data_type = DataType.BINARY
        return Field(
            xpath=path,
            name=name,
            kind=kind,
            data_type=data_type,
            bind_type=bind_type,
            control=control_name,
            repeat=repeat,
            labels=read_labels(control, "label", self.translations),
            hints=read_labels(control, "hint", self.translations),
            choice_list=choice_list,
            choice_filter=choice_filter,
            mediatype=mediatype,
            appearance=control.get("appearance") if control is not None else None,
            bind=bind,
        )

    def _choices(self, path: str, control: etree._Element | None) -> tuple[str | None, str | None]:
        if control is None:
            return None, None
        itemset = control.find(f"{{{XF}}}itemset")
        if itemset is not None:
            nodeset = itemset.get("nodeset") or ""
            match = _INSTANCE_REF.search(nodeset)
            predicate = (
                nodeset[nodeset.index("[") + 1 : nodeset.rindex("]")] if "[" in nodeset else None
            )
            return (match.group(1) if match else None), (predicate.strip() if predicate else None)
        items = control.findall(f"{{{XF}}}item")
        if not items:
            return None, None
        choices = tuple(
            Choice(
                (item.findtext(f"{{{XF}}}value") or "").strip(),
                read_labels(item, "label", self.translations),
            )
            for item in items
        )
        self.inline_lists[path] = ChoiceList(path, choices)
        return path, None

    def entity_declarations(self) -> list[EntityDeclaration]:
        declarations = []
        for path, scope, element in self.entity_elements:

            def attribute(
                name: str, path: str = path, element: etree._Element = element
            ) -> str | None:
                calculated = self.binds.get(f"{path}/@{name}", {}).get("calculate")
                return calculated or element.get(name)

            label_bind = self.binds.get(f"{path}/label", {})
            properties = tuple(
                EntityProperty(f.saveto.split("#")[-1], f.xpath)
                for f in self.fields
                if f.saveto
                and f.repeat == scope
                and (("#" not in f.saveto) or f.saveto.split("#")[0] == element.get("dataset"))
            )
            declarations.append(
                EntityDeclaration(
                    dataset=element.get("dataset") or "",
                    xpath=path,
                    scope=scope,
                    create=attribute("create"),
                    update=attribute("update"),
                    label=label_bind.get("calculate")
                    or (element.findtext(f"{{{XF}}}label") or None),
                    properties=properties,
                )
            )
        return declarations


def _media_files(xml: bytes) -> tuple[str, ...]:
    names = re.findall(rb"jr://(?:images|audio|video|file|file-csv)/([^\"'<>\s]+)", xml)
    return tuple(sorted({n.decode("utf-8") for n in names}))


def set_form_version(xform: str, version: str) -> str:
    """The XForm with its primary instance's version attribute set (publishing a draft under a
    new version, as Central's `draft/publish?version=` does)."""
    html = parse_xml(xform.encode("utf-8"), for_form=True)
    root = primary_root(html)
    root.set(version_attribute(root) or "version", version)  # orx:version stays orx:version
    return '<?xml version="1.0"?>' + etree.tostring(html, encoding="unicode")
