"""The export page's progress line gives the size saved as people read it (issue 21, item 7):
"Done: 612 bytes saved." for a small export, "1.8 KB" past a kilobyte, never "0.0 MB", and in
French with French units and decimal comma. In Chromium, against the app served by uvicorn."""

from __future__ import annotations

from pathlib import Path

import httpx
from babel.numbers import format_decimal
from playwright.sync_api import Page, expect

from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.live_api import sign_in_page
from tests.support.paths import DATA

UNITS = {"en": ("bytes", "KB", "MB", "GB"), "fr": ("octets", "Ko", "Mo", "Go")}
DONE = {"en": "Done: {size} saved.", "fr": "Terminé : {size} enregistrés."}


def human(size: int, language: str) -> str:
    """What the page should say, worked out independently of its script (CLDR numbers)."""
    amount, unit = float(size), 0
    while amount >= 1024 and unit < 3:
        amount, unit = amount / 1024, unit + 1
    pattern = "#,##0.0" if unit and amount < 10 else "#,##0"
    number = format_decimal(amount, format=pattern, locale=language)
    return f"{number}\u00a0{UNITS[language][unit]}"


def test_human_sizes_worked_out_here():
    assert human(612, "en") == "612\u00a0bytes"
    assert human(1843, "en") == "1.8\u00a0KB" and human(1843, "fr") == "1,8\u00a0Ko"
    assert human(25 * 1024 * 1024, "en") == "25\u00a0MB"


def _submit(live: str, headers: dict[str, str], project: int, count: int) -> None:
    xml = (DATA / "simple.xml").read_text("utf-8")
    for number in range(count):
        body = xml.replace("000000000001", f"{number + 1:012d}")
        sent = httpx.post(
            f"{live}/v1/projects/{project}/forms/household/submissions",
            content=body.encode("utf-8"),
            headers={**headers, "Content-Type": "application/xml"},
        )
        assert sent.status_code == 200, sent.text


def _download_csv(page: Page, export_url: str, language: str) -> str:
    page.goto(export_url)
    page.locator("input[name=format][value=csv]").check()
    with page.expect_download() as waiting:
        page.locator("form[data-export] button[type=submit]").click()
    size = len(Path(waiting.value.path()).read_bytes())
    expected = DONE[language].format(size=human(size, language))
    expect(page.locator("#export-status")).to_have_text(expected)
    return expected


def test_the_export_page_says_the_size_saved_in_bytes_then_kilobytes(page: Page, live):
    signed = httpx.post(
        f"{live}/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    headers = {"Authorization": f"Bearer {signed.json()['token']}"}
    project = httpx.post(f"{live}/v1/projects", json={"name": "Retours"}, headers=headers)
    project_id = project.json()["id"]
    published = httpx.post(
        f"{live}/v1/projects/{project_id}/forms?publish=true&ignoreWarnings=true",
        content=(DATA / "household.md").read_bytes(),
        headers={**headers, "Content-Type": "text/markdown"},
    )
    assert published.status_code == 200, published.text

    sign_in_page(page)
    export_url = f"/projects/{project_id}/forms/household/export"

    said = _download_csv(page, export_url, "en")  # no submission: the header line only
    assert said.endswith("\u00a0bytes saved.") and "MB" not in said

    _submit(live, headers, project_id, 6)
    said = _download_csv(page, export_url, "en")
    assert "\u00a0KB saved." in said

    page.get_by_label("Language", exact=True).select_option("fr")  # the script sends it
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    said = _download_csv(page, export_url, "fr")
    assert "\u00a0Ko enregistrés." in said and "," in said


def test_baobab_export_says_the_size_written(client, admin, project, settings, monkeypatch, capsys):
    """The command line says the same: "612 bytes", or "1.8 KB (1,843 bytes)" past a kilobyte."""
    from server.cli.main import main
    from tests.support.forms import publish

    publish(client, admin, project, (DATA / "household.md").read_bytes())
    for name, value in {
        "BAOBAB_DATABASE_URL": settings.database_url,
        "BAOBAB_BLOB_URL": settings.blob_url,
        "BAOBAB_DATA_DIR": str(settings.data_dir),
        "BAOBAB_LOG_LEVEL": "warning",
    }.items():
        monkeypatch.setenv(name, value)
    target = settings.data_dir / "household.csv"
    args = ["export", "household", "--project", str(project), "--format", "csv", "-o", str(target)]
    assert main(args) == 0
    size = target.stat().st_size
    assert capsys.readouterr().err.strip().endswith(f"({size} bytes)") and size < 1024
    xml = (DATA / "simple.xml").read_text("utf-8")
    for number in range(6):
        sent = client.post(
            f"/v1/projects/{project}/forms/household/submissions",
            content=xml.replace("000000000001", f"{number + 1:012d}").encode("utf-8"),
            headers={**admin, "Content-Type": "application/xml"},
        )
        assert sent.status_code == 200, sent.text
    assert main(args) == 0
    size = target.stat().st_size
    said = human(size, "en").replace("\u00a0", " ")
    assert capsys.readouterr().err.strip().endswith(f"({said} ({size:,} bytes))")
