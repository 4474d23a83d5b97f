"""End to end in a real browser: Debian's Chromium driven by Playwright against the whole app
served by uvicorn. Sign in, upload a broken XLSForm and read its errors by row, fix and
publish it, create an app user and scan its QR code, send submissions as Collect does, review
one, download an export, look at the dashboard, switch to French. Keyboard and labels are
checked on every page; screenshots of the main pages go to test-artifacts/screenshots/."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
import zlib
from pathlib import Path

import httpx
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.chromium import LOADED_WIDTH, checked
from tests.support.visit_form import SURVEY, visit_xml, xlsform


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


JPEG = _jpeg()


def test_a_field_office_day_in_the_browser(page: Page, live, tmp_path):
    # Sign in with the keyboard only: the skip link comes first, then the labelled fields.
    page.goto("/projects")
    expect(page).to_have_url(f"{live}/login?next=%2Fprojects")
    expect(page.get_by_label("E-mail address")).to_be_focused()
    page.keyboard.type(ADMIN_EMAIL)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(ADMIN_PASSWORD)
    checked(page, "01-sign-in")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()

    page.get_by_label("Project name").fill("Retours Mali")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_text("Project created.")).to_be_visible()

    # A broken XLSForm: its errors by sheet and row, and nothing published.
    broken = tmp_path / "returnee_visit.xlsx"
    broken.write_bytes(xlsform([*SURVEY, ["select_one nowhere", "bad", "Bad", "Mauvais", "", ""]]))
    page.get_by_label("XLSForm (.xlsx or .xls) or XForm (.xml)").set_input_files(broken)
    page.get_by_role("button", name="Check and save as draft").click()
    issues = page.locator("table.issues tbody tr")
    expect(issues.first).to_contain_text("survey")
    assert "nowhere" in issues.first.inner_text()
    checked(page, "02-xlsform-errors")

    fixed = tmp_path / "returnee_visit_fixed.xlsx"
    fixed.write_bytes(xlsform())
    page.get_by_label("XLSForm (.xlsx or .xls) or XForm (.xml)").set_input_files(fixed)
    page.get_by_role("button", name="Check and save as draft").click()
    expect(page.get_by_text("No error: the form is saved as a draft")).to_be_visible()
    page.get_by_role("link", name="Open the draft").click()
    page.get_by_role("button", name="Publish this version").click()
    expect(page.get_by_text("Version published")).to_be_visible()
    checked(page, "03-form")
    project_url = page.url.split("/forms/")[0]

    # A device: its QR code is shown, and it is the one Collect needs.
    page.goto(f"{project_url}/app-users")
    page.get_by_label("Name (the enumerator or the tablet)").fill("Tablet Awa")
    page.get_by_role("button", name="Create app user").click()
    qr = page.get_by_role("img", name="QR code that configures ODK Collect for Tablet Awa")
    expect(qr).to_be_visible()
    assert qr.evaluate(LOADED_WIDTH) > 100
    checked(page, "04-app-user-qr")
    png = page.request.get(qr.get_attribute("src") or "").body()
    # QR codes only: a random token can also look like a stray linear barcode to the reader
    (code,) = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    server_url = json.loads(zlib.decompress(base64.b64decode(code.text)))["general"]["server_url"]
    token, project_id = server_url.split("/key/")[1].split("/projects/")

    # Collect sends three submissions, one with its photo.
    for n in (1, 2, 3):
        files = [("xml_submission_file", ("submission.xml", visit_xml(n), "text/xml"))]
        if n == 1:
            files.append(("p.jpg", ("p.jpg", JPEG, "image/jpeg")))
        sent = httpx.post(
            f"{live}/v1/key/{token}/projects/{project_id}/submission",
            files=files,
            headers={"X-OpenRosa-Version": "1.0"},
        )
        assert sent.status_code == 201, sent.text

    # Review one.
    page.goto(f"{project_url}/forms/returnee_visit/submissions")
    expect(page.get_by_text("3 submissions")).to_be_visible()
    checked(page, "05-submissions")
    page.locator("a[href$='/submissions/uuid:visit-1']").click()
    photo = page.get_by_role("img", name="Photo")
    expect(photo).to_be_visible()
    page.wait_for_function("() => document.querySelector('dd img').complete")
    assert photo.evaluate(LOADED_WIDTH) == 64  # the photo itself, inline
    page.get_by_label("Has issues").check()
    page.get_by_label("Comment").fill("Vérifier l'âge")
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_text("Review saved.")).to_be_visible()
    expect(page.get_by_text("Vérifier l'âge")).to_be_visible()
    checked(page, "06-submission")

    # Export: the page's script streams it with a progress line, then saves it.
    page.goto(f"{project_url}/forms/returnee_visit/export")
    checked(page, "07-export")
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Download").click()
    download = waiting.value
    assert download.suggested_filename == "returnee_visit.zip"
    archive = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))
    assert "returnee_visit.csv" in archive.namelist()
    assert archive.read("media/p.jpg") == JPEG
    expect(page.locator("#export-status")).to_have_text(
        re.compile(r"^Done: [\d.]+\s(KB|bytes) saved")
    )
    # Past the page's limit the browser downloads the file itself (nothing held in memory).
    page.locator("form[data-export]").evaluate("form => form.dataset.streamLimit = '1'")
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Download").click()
    assert waiting.value.suggested_filename == "returnee_visit.zip"
    expect(page.locator("#export-status")).to_contain_text("your browser shows its progress")

    page.goto(f"{project_url}/forms/returnee_visit/dashboard")
    map_picture = page.get_by_role("img", name=re.compile("^Map of the submissions"))
    assert map_picture.evaluate(LOADED_WIDTH) > 0  # drawn by its own request
    checked(page, "08-dashboard")

    # French, chosen from the menu (the script sends the form when it changes).
    page.get_by_label("Language").select_option("fr")
    expect(page.get_by_role("heading", name=re.compile("^Tableau de bord"))).to_be_visible()
    expect(page.get_by_role("heading", name="Soumissions par jour")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    checked(page, "09-dashboard-fr")
