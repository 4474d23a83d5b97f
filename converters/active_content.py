"""Refuse XForms that carry what a browser would run: XHTML or SVG scripts, frames, plugins,
event-handler attributes, `javascript:` links and style sheets that transform the document.

An XForm is an XHTML document, and a raw one is uploaded as is. Baobab never serves one as a
page (server/security_headers.py, server/downloads.py), but a form also travels to other
servers, to ODK Web Forms and to people's disks: nothing in one may be made to run.
"""

from __future__ import annotations

import re

from lxml import etree

from converters.errors import ConversionCode, FormError, FormIssue

XHTML = "http://www.w3.org/1999/xhtml"
SVG = "http://www.w3.org/2000/svg"
MATHML = "http://www.w3.org/1998/Math/MathML"
XLINK = "http://www.w3.org/1999/xlink"
XSLT = "http://www.w3.org/1999/XSL/Transform"
# Elements that load or run something, in the XHTML namespace.
ACTIVE_ELEMENTS = frozenset(
    {
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "link",
        "meta",
        "style",
        "form",
        "svg",
        "math",
        "template",
        "portal",
    }
)
# Namespaces in which a browser runs any element: XForms never needs them inline.
ACTIVE_NAMESPACES = {SVG: "SVG", MATHML: "MathML", XSLT: "XSLT"}
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "data", "xlink:href"})
# What a browser ignores at the start of a URL (controls, spaces) before the scheme.
_SCHEME = re.compile(r"^[\x00-\x20]*([a-z][a-z0-9+.\-]*)\s*:", re.IGNORECASE)
_DANGEROUS_SCHEMES = frozenset({"javascript", "vbscript", "data"})

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=False,  # an xml-stylesheet instruction is what we look for
    collect_ids=False,
)


def refuse_active_content(xform: bytes) -> None:
    """Raise FormError naming each element or attribute (with its line) that a browser would
    run or load; return quietly for an inert XForm. The XForm has been parsed safely before."""
    try:
        root = etree.fromstring(xform, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return  # parse_xml reports malformed XML with its own message
    issues = [
        FormIssue("error", f"{message} on line {line}" if line else message, source="baobab")
        for line, message in _active_parts(root)
    ]
    if issues:
        raise FormError(ConversionCode.XFORM_ACTIVE_CONTENT, tuple(issues))


def _active_parts(root: etree._Element) -> list[tuple[int | None, str]]:
    found: list[tuple[int | None, str]] = []
    nodes = [*reversed(list(root.itersiblings(preceding=True))), *root.iter()]
    for node in nodes:
        if isinstance(node, etree._ProcessingInstruction):
            if node.target.lower() == "xml-stylesheet":
                found.append((_line(node), "an <?xml-stylesheet?> instruction"))
            continue
        if not isinstance(node.tag, str):
            continue
        namespace, name = _split(node.tag)
        if namespace in ACTIVE_NAMESPACES:
            found.append((_line(node), f"the {ACTIVE_NAMESPACES[namespace]} element <{name}>"))
        elif namespace == XHTML and name.lower() in ACTIVE_ELEMENTS:
            found.append((_line(node), f"the XHTML element <{name}>"))
        if namespace in (XHTML, *ACTIVE_NAMESPACES):
            found += [(_line(node), m) for m in _active_attributes(node, name)]
    return found


def _active_attributes(element: etree._Element, element_name: str) -> list[str]:
    messages = []
    for key, value in element.attrib.items():
        namespace, name = _split(str(key))
        qualified = f"xlink:{name}" if namespace == XLINK else name
        if name.lower().startswith("on"):
            messages.append(f"the event attribute {name} on <{element_name}>")
        elif qualified.lower() in URL_ATTRIBUTES:
            scheme = _SCHEME.match(str(value))
            if scheme and scheme.group(1).lower() in _DANGEROUS_SCHEMES:
                messages.append(
                    f"a {scheme.group(1).lower()}: link in {qualified} on <{element_name}>"
                )
    return messages


def _line(node: etree._Element) -> int | None:
    line = node.sourceline
    return line if isinstance(line, int) else None


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag
