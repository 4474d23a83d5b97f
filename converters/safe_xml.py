"""Parse untrusted XML (forms and submissions): no DTDs, no entities, no network, bounded depth."""

from __future__ import annotations

from lxml import etree

from converters.errors import ConversionCode, ConversionError, FormError, SubmissionError

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,  # keeps libxml2's depth (256) and text-node size limits
    remove_comments=True,
    remove_pis=True,
    collect_ids=False,
)


def parse_xml(data: bytes, *, for_form: bool = False) -> etree._Element:
    """Parse bytes into an element tree, refusing DTDs and entity declarations outright."""
    error_class: type[ConversionError] = FormError if for_form else SubmissionError
    forbidden = ConversionCode.FORM_XML_FORBIDDEN if for_form else ConversionCode.XML_FORBIDDEN
    malformed = ConversionCode.FORM_XML_MALFORMED if for_form else ConversionCode.XML_MALFORMED
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in head:
        raise error_class(forbidden, what="a DTD or entity declaration")
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as error:
        raise error_class(malformed, reason=str(error)) from error
    except ValueError as error:  # e.g. an encoding declaration lxml cannot honour
        raise error_class(malformed, reason=str(error)) from error
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise error_class(forbidden, what="a DTD or entity declaration")
    return root


def local_name(element: etree._Element) -> str:
    tag = element.tag
    assert isinstance(tag, str)
    return tag[tag.rfind("}") + 1 :]  # "{namespace}name" or "name"


def element_children(element: etree._Element) -> list[etree._Element]:
    """Child elements only (no comments or processing instructions, which are removed on
    parsing anyway)."""
    return list(element.iterchildren(tag=etree.Element))


def element_at(root: etree._Element, xpath: str) -> etree._Element | None:
    """The element at an absolute /root/a/b path of a submission, following the first element
    of each name."""
    names = [part for part in xpath.split("/") if part][1:]
    element: etree._Element | None = root
    for name in names:
        if element is None:
            return None
        element = next((c for c in element_children(element) if local_name(c) == name), None)
    return element
