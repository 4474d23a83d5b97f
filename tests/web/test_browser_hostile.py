"""In Chromium, as the administrator: a device's submission and an XForm that carry scripts are
opened through the links the pages offer. Nothing runs: no dialog, no request the script makes,
no account created. (The XForm is stored straight into the database, as one uploaded before
uploads were checked for scripts would be.)"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import httpx
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from converters.form_model import CompiledForm
from storage.db import transaction
from storage.forms.versions import publish_form
from tests.reliability.collect_device import set_up_field
from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.chromium import LOADED_WIDTH
from tests.support.openrosa import OPENROSA
from tests.support.paths import sample

# What the probe's script did: read the CSRF token from /users, then create an administrator.
ATTACK = (
    "fetch('/users').then(r => r.text()).then(t => fetch('/users', {method: 'POST', "
    "headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'csrf=' + "
    't.match(/name="csrf" value="([^"]+)"/)[1] + \'&email=evil@example.org&admin=on\'}));'
    "alert('ran');"
)
IN_XML = escape(ATTACK, {'"': "&quot;"})
SCRIPT = f'<x:script xmlns:x="http://www.w3.org/1999/xhtml">{IN_XML}</x:script>'
INSTANCE = "uuid:0b0c7a6e-0000-4000-8000-000000000004"
XFORM = f"""<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml">
<h:head><h:title>Hostile</h:title><h:script>{IN_XML}</h:script>
<model><instance><data id="hostile" version="1"><a/><meta><instanceID/></meta></data></instance>
<bind nodeset="/data/a" type="string"/></model></h:head>
<h:body onload="{IN_XML}"><input ref="/data/a"><label>A</label></input></h:body></h:html>"""


def test_hostile_xml_and_xforms_run_nothing_in_an_administrators_browser(
    page: Page,
    live,
    engine,
    clock,
):
    field = set_up_field(live, engine, new_admin=False)  # the page fixture made the admin
    with transaction(engine) as connection:
        publish_form(
            connection,
            project_id=field.project,
            compiled=CompiledForm(XFORM, "hostile", "1", "Hostile", "xml"),
            now=clock(),
        )
    xml = sample("with_attachments.xml").replace(b"<voice>", SCRIPT.encode() + b"<voice>")
    html = f"<html><body><script>{ATTACK}</script></body></html>".encode()
    parts = [
        ("xml_submission_file", ("submission.xml", xml, "text/xml")),
        ("1741079521992.jpg", ("1741079521992.jpg", html, "text/html")),
    ]
    sent = httpx.post(f"{field.collect}/submission", files=parts, headers=OPENROSA, timeout=30)
    assert sent.status_code == 201, sent.text
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/login")
    page.get_by_label("E-mail address").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()

    base = f"/projects/{field.project}/forms"
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    page.goto(f"{base}/household/submissions/{INSTANCE}")
    # The HTML sent as a photo: a broken image, nothing more.
    photo = page.locator('img[src*="/attachments/1741079521992.jpg"]')
    assert photo.evaluate(LOADED_WIDTH) == 0
    page.get_by_role("link", name="XML", exact=True).click()
    page.wait_for_timeout(1000)  # time for a script, had one run, to have made its requests
    page.goto(f"{base}/hostile")
    page.get_by_role("link", name="XForm", exact=True).click()
    page.wait_for_timeout(1000)

    assert dialogs == []
    with engine.connect() as connection:
        emails = connection.execute(sa.text("SELECT email FROM users")).scalars().all()
    assert emails == ["admin@example.org"]
    # Both were offered as files to keep, byte for byte as sent.
    names = [d.suggested_filename for d in downloads]  # Chromium turns ":" into "_"
    assert names == [f"{INSTANCE.replace(':', '_')}.xml", "hostile.xml"]
    assert SCRIPT.encode() in Path(downloads[0].path()).read_bytes()
    assert b"<h:script>" in Path(downloads[1].path()).read_bytes()
