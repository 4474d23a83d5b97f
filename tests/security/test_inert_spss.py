"""SPSS syntax that no text can leave: a form title, question label, choice name or choice label
holding a line break followed by `HOST COMMAND=[...]` (which SPSS and PSPP run on the analyst's
machine) stays inside its string literal; user text is never written into a comment. Pure: the
syntax is read back with a small tokenizer that follows SPSS's rules for strings and comments."""

from __future__ import annotations

import re

import pytest

from converters.export_model import ExportColumn
from converters.form_model import Choice, ChoiceList, DataType, Field
from converters.spss import LINE_BYTES, spss_names, spss_string, spss_syntax
from tests.security.inert import commands

ATTACK = "Survey\nHOST COMMAND=['calc.exe'].\r* x\r\nHOST COMMAND=['calc.exe']. '\u2028'' \"="
TITLES = [
    "\nHOST COMMAND=['calc.exe'].",
    "Survey\rHOST COMMAND=['calc.exe'].",
    "Survey.\nHOST COMMAND=['calc.exe'].\n",
    ATTACK,
    "It's \u202eevil\u202c \x0b\x0c\x85 \u2029 end",
]


def field(name: str, label: str, kind: str = "text", choices: str | None = None) -> Field:
    return Field(
        xpath=f"/data/{name}",
        name=name,
        kind=kind,
        data_type=DataType.STRING,
        bind_type="string",
        control="input",
        repeat=None,
        labels={"English (en)": label},
        choice_list=choices,
    )


def hostile_syntax(title: str) -> str:
    columns = [
        ExportColumn("SubmissionDate", "system"),
        ExportColumn("q-text", "text", field("text", ATTACK)),
        ExportColumn("to", "integer", field("to", ATTACK * 3)),
        ExportColumn("pick", "text", field("pick", ATTACK, "select_one", "hostile")),
        ExportColumn("many/x", "flag", field("many", ATTACK, "select_multiple"), choice="x"),
        ExportColumn("KEY", "system"),
    ]
    choices = ChoiceList(
        "hostile",
        (
            Choice("a\nHOST COMMAND=['calc.exe'].", {"English (en)": ATTACK}),
            Choice("b'c", {"English (en)": "é" * 300}),
        ),
    )
    return spss_syntax("form'\n.csv", columns, {"hostile": choices}, None, title)


@pytest.mark.parametrize("title", TITLES)
def test_no_text_leaves_its_string_in_spss_syntax(title):
    syntax = hostile_syntax(title)
    assert commands(syntax) == [
        "*",
        "*",
        "TITLE",
        "GET",
        "CACHE",
        "EXECUTE",
        "VARIABLE",
        "VALUE",
        "EXECUTE",
    ]
    for line in syntax.split("\n"):  # comments carry no text of the form's
        if line.startswith("*"):
            assert "calc" not in line and "Survey" not in line
    assert all(ord(c) >= 32 or c == "\n" for c in syntax)
    assert "\u202e" not in syntax and "\u2028" not in syntax and "\x85" not in syntax


def test_spss_strings_double_quotes_and_keep_their_text():
    assert spss_string("It's") == "'It''s'"
    assert spss_string("a\r\nb\tc") == "'a  b c'"
    long = spss_string("x'" * 200, 255)
    lines = long.split("\n")
    assert len(lines) > 1 and all(len(line) < LINE_BYTES for line in lines)
    joined = "".join(re.findall(r"'((?:[^']|'')*)'", long)).replace("''", "'")
    assert joined == ("x'" * 200)[:255]  # cut to SPSS's 255 bytes, split with '+'
    assert spss_string("é" * 200, 255).count("é") == 127  # never inside a character


def test_spss_names_avoid_reserved_words():
    assert spss_names(["to", "BY", "with", "all_", "x"]) == ["to_", "BY_", "with_", "all_", "x"]


def test_title_is_a_string_not_a_comment():
    syntax = hostile_syntax("Household survey")
    assert "TITLE 'Household survey'." in syntax.split("\n")
    assert "Household" not in "".join(line for line in syntax.split("\n") if line[:1] == "*")
