"""The fields a form keeps from roles that may not read sensitive data, over its published
versions: marked in any version stays hidden, even dropped from the form; computed from a
sensitive one is hidden until the current version marks it `false`; a draft counts for
nothing; each version's marks are read once per process, whatever is asked after."""

from __future__ import annotations

import sqlalchemy as sa

from storage.db import transaction
from storage.forms import sensitive_fields
from storage.forms.sensitive_fields import sensitive_xpaths
from tests.support.forms import publish
from tests.support.xlsforms import md_form

NAMESPACE = 'baobab="urn:baobab:xforms:1"'


def _form(version: str, rows: str) -> bytes:
    return md_form(
        "type | name | label | calculation | bind::baobab:sensitive\n" + rows,
        settings=f"form_id | version | namespaces\npeople | {version} | {NAMESPACE}",
    )


V1 = _form(
    "1",
    "text | phone | Phone | | true\n"
    "date | dob | Date of birth | | true\n"
    "calculate | age | | int((today() - ${dob}) div 365.25) |",
)
V2 = _form(  # the phone dropped; the age marked readable on purpose
    "2",
    "date | dob | Date of birth | | true\n"
    "calculate | age | | int((today() - ${dob}) div 365.25) | false",
)
DRAFT = _form("3", "text | town | Town | | true")


def _hidden(engine, form_id: int) -> frozenset[str]:
    with transaction(engine, read_only=True) as connection:
        return sensitive_xpaths(connection, form_id)


def test_what_every_version_hides_and_what_the_current_one_clears(client, admin, project, engine):
    publish(client, admin, project, V1)
    with transaction(engine, read_only=True) as connection:
        form_id = connection.execute(sa.text("SELECT id FROM forms")).scalar_one()
    assert _hidden(engine, form_id) == {"/data/phone", "/data/dob", "/data/age"}
    base = f"/v1/projects/{project}/forms/people"
    headers = {**admin, "Content-Type": "text/markdown"}
    assert client.post(f"{base}/draft", content=V2, headers=headers).status_code == 200
    assert client.post(f"{base}/draft/publish", headers=admin).status_code == 200
    # The phone stays hidden though dropped; the age is readable now the designer says so.
    assert _hidden(engine, form_id) == {"/data/phone", "/data/dob"}
    assert client.post(f"{base}/draft", content=DRAFT, headers=headers).status_code == 200
    assert _hidden(engine, form_id) == {"/data/phone", "/data/dob"}  # a draft: nothing yet

    # Asked again and again, each published version's XForm is read once per process.
    read: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        if "form_versions.xform " in statement + " " and "WHERE form_versions.id" in statement:
            read.append(statement)

    sensitive_fields._cache.clear()
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        for _ in range(3):
            assert _hidden(engine, form_id) == {"/data/phone", "/data/dob"}
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert len(read) == 2, read  # the two published versions, once each
