"""XForms carrying what a browser would run are refused, each part named with its line."""

from __future__ import annotations

import pytest

from converters.active_content import refuse_active_content
from converters.errors import ConversionCode, FormError

HEAD = (
    '<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"'
    ' xmlns:ev="http://www.w3.org/2001/xml-events" xmlns:svg="http://www.w3.org/2000/svg"'
    ' xmlns:xlink="http://www.w3.org/1999/xlink">'
)
MODEL = (
    '<model><instance><data id="f" version="1"><script/><a/><meta><instanceID/></meta></data>'
    '</instance><bind nodeset="/data/a" type="string"/>'
    '<setvalue ev:event="odk-instance-first-load" ref="/data/a">x</setvalue></model>'
)


def xform(head_extra: str = "", body_extra: str = "", before: str = "") -> bytes:
    return (
        f"{before}{HEAD}<h:head><h:title>T</h:title>{head_extra}{MODEL}</h:head>"
        f'<h:body><input ref="/data/a"><label>A</label></input>{body_extra}</h:body></h:html>'
    ).encode()


def refusal(data: bytes) -> list[str]:
    with pytest.raises(FormError) as raised:
        refuse_active_content(data)
    assert raised.value.code is ConversionCode.XFORM_ACTIVE_CONTENT
    return [issue.message for issue in raised.value.issues]


def test_an_ordinary_xform_passes_even_with_fields_named_script_and_a():
    refuse_active_content(xform())


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ("<h:script>alert(1)</h:script>", "<script>"),
        ('<h:iframe src="https://example.org"/>', "<iframe>"),
        ('<h:object data="x.swf"/>', "<object>"),
        ('<h:embed src="x.swf"/>', "<embed>"),
        ('<h:meta http-equiv="refresh" content="0;url=https://evil.example"/>', "<meta>"),
        ('<h:link rel="stylesheet" href="https://evil.example/x.css"/>', "<link>"),
        ("<svg:svg><svg:script>alert(1)</svg:script></svg:svg>", "SVG element <script>"),
        ('<h:img src="x" onerror="alert(1)"/>', "event attribute onerror on <img>"),
        ('<h:a href=" javascript:alert(1)">x</h:a>', "javascript: link in href on <a>"),
        ('<svg:a xlink:href="javascript:alert(1)"/>', "javascript: link in xlink:href"),
    ],
)
def test_active_parts_are_refused_and_named(extra, named):
    messages = refusal(xform(head_extra=extra))
    assert any(named in m for m in messages), messages


def test_event_attributes_in_the_body_are_refused_with_their_line():
    data = xform(body_extra='\n\n<h:span onmouseover="alert(1)">x</h:span>')
    with pytest.raises(FormError) as raised:
        refuse_active_content(data)
    (issue,) = raised.value.issues
    assert issue.message == "the event attribute onmouseover on <span> on line 3"
    assert issue.message in raised.value.message


def test_a_style_sheet_instruction_is_refused():
    messages = refusal(xform(before='<?xml-stylesheet type="text/xsl" href="data:x"?>'))
    assert messages == ["an <?xml-stylesheet?> instruction on line 1"]


def test_every_part_is_listed_not_only_the_first():
    messages = refusal(xform(head_extra="<h:script/>", body_extra='<h:b onclick="x"/>'))
    assert len(messages) == 2
