"""OpenRosa XML documents (pure builders): the form list, the manifest, OpenRosaResponse and
an entity list's integrity states."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

XFORMS_LIST = "http://openrosa.org/xforms/xformsList"
MANIFEST = "http://openrosa.org/xforms/xformsManifest"
RESPONSE = "http://openrosa.org/http/response"
XML_CONTENT_TYPE = "text/xml; charset=utf-8"  # Collect rejects application/xml here


@dataclass(frozen=True, slots=True)
class FormListEntry:
    form_id: str
    name: str
    version: str
    md5: str
    download_url: str
    manifest_url: str | None


@dataclass(frozen=True, slots=True)
class MediaFile:
    filename: str
    md5: str
    download_url: str
    # An entity list (Central's manifest): `type="entityList"`, or "approvalEntityList" when
    # its registrations wait for approval, and where Collect checks which entities are gone.
    kind: str | None = None
    integrity_url: str | None = None


def form_list(entries: Sequence[FormListEntry]) -> bytes:
    root = etree.Element(f"{{{XFORMS_LIST}}}xforms", nsmap=_default(XFORMS_LIST))
    for entry in entries:
        xform = etree.SubElement(root, f"{{{XFORMS_LIST}}}xform")
        for tag, text in (
            ("formID", entry.form_id),
            ("name", entry.name),
            ("version", entry.version),
            ("hash", f"md5:{entry.md5}"),
            ("downloadUrl", entry.download_url),
            ("manifestUrl", entry.manifest_url),
        ):
            if text is not None:
                etree.SubElement(xform, f"{{{XFORMS_LIST}}}{tag}").text = text
    return _serialise(root)


def manifest(files: Sequence[MediaFile]) -> bytes:
    root = etree.Element(f"{{{MANIFEST}}}manifest", nsmap=_default(MANIFEST))
    for media in files:
        element = etree.SubElement(root, f"{{{MANIFEST}}}mediaFile")
        if media.kind is not None:
            element.set("type", media.kind)
        etree.SubElement(element, f"{{{MANIFEST}}}filename").text = media.filename
        etree.SubElement(element, f"{{{MANIFEST}}}hash").text = f"md5:{media.md5}"
        etree.SubElement(element, f"{{{MANIFEST}}}downloadUrl").text = media.download_url
        if media.integrity_url is not None:
            etree.SubElement(element, f"{{{MANIFEST}}}integrityUrl").text = media.integrity_url
    return _serialise(root)


def entity_integrity(states: Sequence[tuple[str, bool]]) -> bytes:
    """Central's integrity document: `<data><entities><entity id><deleted>` per entity."""
    root = etree.Element("data")
    entities = etree.SubElement(root, "entities")
    for uuid, deleted in states:
        entity = etree.SubElement(entities, "entity", id=uuid)
        etree.SubElement(entity, "deleted").text = "true" if deleted else "false"
    return _serialise(root)


def openrosa_response(message: str, *, error: bool = False) -> bytes:
    root = etree.Element(f"{{{RESPONSE}}}OpenRosaResponse", nsmap=_default(RESPONSE), items="0")
    etree.SubElement(root, f"{{{RESPONSE}}}message", nature="error" if error else "").text = message
    return _serialise(root)


def _default(namespace: str) -> dict[str, str]:
    """A default-namespace map; lxml wants the key None, which its stubs do not allow."""
    return {None: namespace}  # type: ignore[dict-item]


def _serialise(root: etree._Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(
        root, encoding="UTF-8", pretty_print=True
    )
