"""Entities from repeats (entities-version 2025.1.0, as pyxform 4 writes them): one action per
repeat instance, read from that instance, nested repeats included; refused at upload before
2025.1, as Central refuses them (400.25)."""

from __future__ import annotations

import pytest
from lxml import etree

from converters.entities import entity_actions
from converters.errors import ConversionCode, FormError
from converters.xform_schema import parse_xform
from converters.xlsform import compile_form
from tests.support.entity_repeats import HOUSEHOLD, member
from tests.support.xlsforms import md_form

PLOTS = md_form(
    """
    type | name | label | save_to
    begin_repeat | plot | Plot |
    text | plot_name | Plot name |
    begin_repeat | tree | Tree |
    text | species | Species | species
    end_repeat | tree | |
    end_repeat | plot | |
    """,
    form_id="plots",
    extra="| entities |\n| | list_name | label | repeat |\n| | trees | ${species} | ${tree} |\n",
)


def schema_of(source: bytes):
    return parse_xform(compile_form(source, ".md").xform.encode())


def test_each_repeat_instance_is_an_action_read_from_its_own_answers():
    schema = schema_of(HOUSEHOLD)
    assert schema.entities_version == "2025.1.0"
    a, b = "0b0c7a6e-0000-4000-8000-0000000000a1", "0b0c7a6e-0000-4000-8000-0000000000a2"
    root = etree.fromstring(
        f'<data id="household" version="1"><village>Kita</village>'
        f"{member(a, 'Awa', '31', create='1')}"
        f"{member(b, 'Ali', '9', update='1', baseVersion='2', trunkVersion='1', branchId=a)}"
        "<meta><instanceID>uuid:x</instanceID></meta></data>"
    )
    first, second = entity_actions(root, schema)
    assert (first.uuid, first.create, first.label, dict(first.properties)) == (
        a,
        True,
        "Awa",
        {"first_name": "Awa", "age": "31"},
    )
    assert (second.uuid, second.update, second.base_version, second.trunk_version) == (
        b,
        True,
        2,
        1,
    )
    assert second.branch_id == a and dict(second.properties) == {"first_name": "Ali", "age": "9"}


def test_entities_in_a_nested_repeat_are_read_in_every_outer_instance():
    schema = schema_of(PLOTS)
    (declaration,) = schema.entities
    assert declaration.scope == "/data/plot/tree"
    trees = [
        f'<tree><species>{s}</species><meta><entity dataset="trees" create="1" '
        f'id="0b0c7a6e-0000-4000-8000-00000000000{n}"><label>{s}</label></entity></meta></tree>'
        for n, s in enumerate(("pine", "oak", "baobab"))
    ]
    root = etree.fromstring(
        f'<data id="plots" version="1"><plot><plot_name>A</plot_name>{trees[0]}{trees[1]}</plot>'
        f"<plot><plot_name>B</plot_name>{trees[2]}</plot>"
        "<meta><instanceID>uuid:y</instanceID></meta></data>"
    )
    assert [(a.label, a.properties["species"]) for a in entity_actions(root, schema)] == [
        ("pine", "pine"),
        ("oak", "oak"),
        ("baobab", "baobab"),
    ]


def test_an_instance_that_neither_creates_nor_updates_is_no_action():
    schema = schema_of(HOUSEHOLD)
    root = etree.fromstring(
        '<data id="household" version="1">'
        f"{member('0b0c7a6e-0000-4000-8000-0000000000a1', 'Awa', '31', create='0')}"
        "<meta><instanceID>uuid:x</instanceID></meta></data>"
    )
    assert entity_actions(root, schema) == []


@pytest.mark.parametrize("version", ["2024.1.0", "2023.1.0"])
def test_entities_in_a_repeat_before_2025_are_refused_with_central_meaning(version):
    xform = compile_form(HOUSEHOLD, ".md").xform.replace("2025.1.0", version)
    with pytest.raises(FormError) as caught:
        compile_form(xform.encode(), ".xml")
    assert caught.value.code is ConversionCode.ENTITY_IN_REPEAT
    assert f"entities-version '{version}'" in caught.value.message
    assert "400.25" in caught.value.message
