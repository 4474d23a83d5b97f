"""Accent- and case-insensitive search gives the same answer in Python, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from storage.text_search import ACCENTED, PLAIN, contains_folded, fold, folded

NAMES = ["Mamadou Traoré", "MAMADOU TRAORE", "Aïssata Dembélé", "Oumou Sangaré", "Ñam Ɓaldé", None]


def test_fold_agrees_with_the_sql_table_for_every_letter_in_both_cases():
    for accented, plain in zip(ACCENTED, PLAIN, strict=True):
        assert fold(accented) == plain
        assert fold(accented.upper()) == plain


def test_fold_drops_marks_and_case():
    assert fold("TRAORÉ") == fold("Traore") == "traore"
    assert fold("Aïssata") == "aissata"
    assert fold(None) == ""


def test_the_database_folds_as_python_does(engine):
    with engine.connect() as connection:
        for name in NAMES:
            value = connection.execute(sa.select(folded(sa.literal(name, sa.Text())))).scalar()
            assert value == (None if name is None else fold(name))


def test_contains_folded_finds_every_spelling_and_escapes_wildcards(engine):
    names = sa.Table("search_names", sa.MetaData(), sa.Column("name", sa.Text()))
    with engine.begin() as connection:
        names.create(connection)
        connection.execute(names.insert(), [{"name": n} for n in [*NAMES, "50%_off"]])
    try:
        with engine.connect() as connection:

            def search(needle: str) -> list[str]:
                found = sa.select(names.c.name).where(contains_folded(names.c.name, needle))
                return sorted(connection.execute(found).scalars())

            assert search("traore") == ["MAMADOU TRAORE", "Mamadou Traoré"]
            assert search("DEMBELE") == ["Aïssata Dembélé"]
            assert search("baldé") == ["Ñam Ɓaldé"]
            assert search("%") == ["50%_off"]
            assert search("_") == ["50%_off"]
    finally:
        with engine.begin() as connection:
            names.drop(connection)
