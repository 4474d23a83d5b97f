"""The case list underneath the pages: which choice labels a list property takes from the forms
that fill it, and a search that only ever looks at what the viewer may read (a case number, a
place, a choice's label), never at the names the label is built from."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from converters.xform_schema import parse_xform
from converters.xlsform import compile_form
from programmes.returnees.storage.cases import CaseSearch, find_cases
from storage.db import transaction
from storage.entities.list_labels import read_labels
from storage.entities.lists import ensure_list
from storage.entities.records import create_entity
from storage.projects import create_project
from tests.support.xlsforms import md_form

pytestmark = pytest.mark.programme  # the returnee programme's own tests

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
MOVES = md_form(
    """
    type | name | label::English (en) | label::French (fr) | calculation | save_to
    select_one yn | moved | Moved? | Déménagé ? | |
    select_one region | new_region | New region | Nouvelle région | |
    text | old_region | Region before | Région avant | |
    calculate | place | | | if(${moved} = 'yes', ${new_region}, ${old_region}) | region
    calculate | answer | | | ${moved} | moved
    select_one region | home | Home region | Région d'origine | | home
    """,
    choices="""
    list_name | name | label::English (en) | label::French (fr)
    yn | yes | Yes | Oui
    yn | no | No | Non
    region | tombouctou | Tombouctou (Timbuktu) | Tombouctou
    region | segou | Ségou | Ségou
    """,
    extra="| entities |\n| | list_name | label |\n| | people | ${old_region} |\n",
)


def test_a_property_takes_the_labels_of_the_select_its_calculation_returns():
    schema = parse_xform(compile_form(MOVES, ".md").xform.encode())
    english = read_labels(schema, "people", "en")
    assert english.value("region", "tombouctou") == "Tombouctou (Timbuktu)"
    assert english.value("region", "somewhere else") == "somewhere else"  # typed, kept
    assert english.value("moved", "yes") == "Yes" and english.title("moved") == "Moved?"
    assert english.title("home") == "Home region" and english.value("home", "segou") == "Ségou"
    assert english.title("region") == "region"  # an `if` has no one question to name it
    assert read_labels(schema, "people", "fr").value("moved", "no") == "Non"
    assert read_labels(schema, "people", "fr").title("home") == "Région d'origine"
    # The condition's select (moved: yes/no) does not lend its labels to `region`.
    assert "yes" not in english.values["region"]
    assert english.matching("timbuktu") == {"region": ("tombouctou",), "home": ("tombouctou",)}
    assert english.matching("SEGOU") == {"region": ("segou",), "home": ("segou",)}
    assert read_labels(schema, "others", "en").titles == {}


@pytest.fixture
def people(engine):
    with transaction(engine) as connection:
        project = create_project(connection, "P", NOW)
        people = ensure_list(
            connection, project.id, "people", ("case_number", "region", "secret"), NOW, ("secret",)
        )
        for n, (label, region, secret) in enumerate(
            (("Awa Traoré", "segou", "tombouctou"), ("Fatou Maïga", "tombouctou", "segou"))
        ):
            create_entity(
                connection,
                people,
                uuid=f"0b0c7a6e-0000-4000-8000-00000000000{n}",
                label=label,
                data={"case_number": f"SEG/{n}", "region": region, "secret": secret},
                creator_id=None,
                now=NOW,
            )
    return people


def _found(engine, people, search: CaseSearch) -> list[str]:
    with transaction(engine, read_only=True) as connection:
        rows, total = find_cases(connection, people.id, search)
    assert total == len(rows)
    return sorted(r.data["case_number"] for r in rows)


def test_a_search_looks_only_at_what_the_viewer_may_read(engine, people):
    readable = ("case_number", "region")
    assert _found(engine, people, CaseSearch("seg/1", readable)) == ["SEG/1"]
    assert _found(engine, people, CaseSearch("traore", readable)) == []  # the label: names
    assert _found(engine, people, CaseSearch("TRAORÉ", readable, label=True)) == ["SEG/0"]
    # A hidden property's value, or a choice label matched on it, finds nothing.
    assert _found(engine, people, CaseSearch("tombouctou", ("case_number",))) == []
    hidden_choice = CaseSearch("x", ("case_number",), choices={"secret": ("segou",)})
    assert _found(engine, people, hidden_choice) == []
    by_label = CaseSearch("timbuktu", readable, choices={"region": ("tombouctou",)})
    assert _found(engine, people, by_label) == ["SEG/1"]
    uuid = "0b0c7a6e-0000-4000-8000-000000000000"
    assert _found(engine, people, CaseSearch(uuid, ())) == ["SEG/0"]
    assert len(_found(engine, people, CaseSearch("", ()))) == 2
