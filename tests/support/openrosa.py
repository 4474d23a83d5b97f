"""The OpenRosa protocol as Collect speaks it."""

from __future__ import annotations

from lxml import etree

OPENROSA = {"X-OpenRosa-Version": "1.0"}


RESPONSE = "{http://openrosa.org/http/response}"


PHOTO = b"\xff\xd8\xff\xe0 a photo of the returnee's shop"


def message(response):
    root = etree.fromstring(response.content)
    assert root.tag == f"{RESPONSE}OpenRosaResponse"
    node = root.find(f"{RESPONSE}message")
    return node.get("nature"), node.text
