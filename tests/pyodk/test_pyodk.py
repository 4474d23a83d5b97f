"""pyodk 1.3, unmodified, against a live Baobab (uvicorn on a socket): projects, forms from XLSX
and XForm, drafts with media, submissions with attachments, edits, reviews, comments, the OData
table and app users, each checked by the values that come back."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pyodk.errors as pyodk_errors
import pytest
import toml
from lxml import etree

from tests.support.accounts import ADMIN_EMAIL
from tests.support.forms import XLSX
from tests.support.openrosa import OPENROSA
from tests.support.paths import DATA
from tests.support.pyodk import open_client, pyodk_publish, write_config
from tests.support.xlsforms import workbook_bytes

HOUSEHOLD = "household"
SURVEY = "sample_survey"
SIMPLE_ID = "uuid:0b0c7a6e-0000-4000-8000-000000000001"
REPEAT_ID = "uuid:0b0c7a6e-0000-4000-8000-000000000002"
NESTED_ID = "uuid:0b0c7a6e-0000-4000-8000-000000000003"
ATTACHED_ID = "uuid:0b0c7a6e-0000-4000-8000-000000000004"
EDITED_ID = "uuid:0b0c7a6e-0000-4000-8000-000000000005"
SURVEY_ID = "uuid:bd74cc0c-c58c-46a1-b6cf-d17b813ec2a7"
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 300  # ~77 KB, sent in 16 KB chunks
VOICE = b"\x00\x00\x00\x18ftypM4A " + b"\x01" * 5000


def md_sheets(markdown: str) -> dict[str, list[list[object]]]:
    """The sheets of a markdown XLSForm (`| survey |` starts a sheet, `| | a | b |` is a row)."""
    sheets: dict[str, list[list[object]]] = {}
    rows: list[list[object]] = []
    for line in markdown.strip().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0]:
            rows = sheets.setdefault(cells[0], [])
        else:
            rows.append([c or None for c in cells[1:]])
    return sheets


def household_xlsx(tmp_path: Path, version: str = "1", media: bool = False) -> Path:
    """tests/data/household.md as an .xlsx; `media` adds an image note and a CSV choice list."""
    sheets = md_sheets((DATA / "household.md").read_text())
    sheets["settings"][1] = [HOUSEHOLD, version, "Household survey"]
    if media:
        sheets["survey"][0].append("media::image")
        sheets["survey"] += [
            ["note", "banner", "Welcome", "logo.png"],
            ["select_one_from_file villages.csv", "village", "Village", None],
        ]
    path = tmp_path / f"household-v{version}.xlsx"
    path.write_bytes(workbook_bytes(sheets))
    return path


XFORMS = "{http://www.w3.org/2002/xforms}"
FORM_LIST = "{http://openrosa.org/xforms/xformsList}"


@pytest.fixture
def household(client, project, tmp_path):
    return pyodk_publish(client, project, household_xlsx(tmp_path), XLSX)


@pytest.fixture
def survey(client, project):
    return pyodk_publish(client, project, DATA / "central" / "sample_survey.xml", "application/xml")


def primary_instance(xform: bytes):
    instance = etree.fromstring(xform).find(f".//{XFORMS}instance/{XFORMS}data")
    assert instance is not None
    return instance


def sample(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def files(tmp_path: Path, contents: dict[str, bytes]) -> list[Path]:
    folder = tmp_path / "attachments"
    folder.mkdir(exist_ok=True)
    paths = []
    for name, content in contents.items():
        (folder / name).write_bytes(content)
        paths.append(folder / name)
    return paths


def central_error(excinfo) -> float:
    """The numeric Central problem code in the answer that made pyodk raise."""
    return excinfo.value.args[1].json()["code"]


# Sign-in and projects


def test_pyodk_caches_its_session_token_and_the_next_client_reuses_it(live, project, tmp_path):
    cache = tmp_path / "cache.toml"
    token = toml.loads(cache.read_text())["token"]
    config = write_config(tmp_path / "again.toml", live, project)
    with open_client(config, cache) as again:
        assert again.session.headers["Authorization"] == f"Bearer {token}"
        assert again.get("users/current").json()["email"] == ADMIN_EMAIL


def test_projects_list_and_get_return_the_project(client, project):
    projects = client.projects.list()
    assert [(p.id, p.name) for p in projects] == [(project, "Retours Mali")]
    one = client.projects.get()
    assert (one.id, one.name, one.description) == (project, "Retours Mali", None)
    assert one.createdAt.tzinfo is not None


def test_raw_client_get_reaches_any_central_path(client, project, household):
    assert [p["id"] for p in client.get("projects").json()] == [project]
    form = client.get(f"projects/{project}/forms/{HOUSEHOLD}").json()
    assert (form["xmlFormId"], form["version"]) == (HOUSEHOLD, "1")
    missing = client.get(f"projects/{project}/forms/nope")
    assert missing.status_code == 404
    assert missing.json()["code"] == 404.1


# Forms


def test_forms_create_from_xlsx_publishes_version_1(client, project, tmp_path):
    created = client.forms.create(definition=household_xlsx(tmp_path))
    assert (created.projectId, created.xmlFormId, created.version) == (project, HOUSEHOLD, "1")
    listed = client.forms.list()
    assert [(f.xmlFormId, f.version, f.state, f.name) for f in listed] == [
        (HOUSEHOLD, "1", "open", "Household survey")
    ]
    assert listed[0].publishedAt is not None


def test_forms_create_with_media_uploads_them_to_the_draft_before_publishing(
    client, project, tmp_path
):
    logo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    media = files(tmp_path, {"logo.png": logo, "villages.csv": b"name,label\nbko,Bamako\n"})
    created = client.forms.create(
        definition=household_xlsx(tmp_path, "2", media=True), attachments=media
    )
    assert (created.xmlFormId, created.version) == (HOUSEHOLD, "2")
    attachments = client.get(f"projects/{project}/forms/{HOUSEHOLD}/attachments").json()
    assert [(a["name"], a["exists"]) for a in attachments] == [
        ("logo.png", True),
        ("villages.csv", True),
    ]
    served = client.get(f"projects/{project}/forms/{HOUSEHOLD}/attachments/logo.png")
    assert served.content == logo


def test_forms_create_from_xlsx_bytes_takes_the_form_id_from_the_settings_sheet(client, tmp_path):
    created = client.forms.create(definition=household_xlsx(tmp_path).read_bytes())
    assert (created.xmlFormId, created.version) == (HOUSEHOLD, "1")
    assert client.forms.get(HOUSEHOLD).publishedAt is not None


def test_forms_create_from_an_xform_file_keeps_its_id_and_version(client):
    created = client.forms.create(definition=DATA / "central" / "sample_survey.xml")
    assert (created.xmlFormId, created.version) == (SURVEY, "v1")
    got = client.forms.get(SURVEY)
    assert (got.name, got.state, got.version) == ("Sample survey", "open", "v1")


def test_forms_create_names_a_form_without_form_id_after_its_file(client, tmp_path):
    # pyodk sends X-XlsForm-FormId-Fallback (the form_id argument, else the file name's stem);
    # Central uses it when the settings sheet has no form_id.
    path = tmp_path / "returnee_visit.xlsx"
    survey = [["type", "name", "label"], ["text", "village", "Village"]]
    path.write_bytes(workbook_bytes({"survey": survey, "settings": [["version"], ["1"]]}))
    created = client.forms.create(definition=path)
    assert (created.xmlFormId, created.version) == ("returnee_visit", "1")
    assert client.forms.get("returnee_visit").publishedAt is not None


def test_forms_list_shows_a_form_that_only_has_a_draft(client, project, tmp_path):
    # What forms.create leaves behind when its attachment upload fails: a draft, never published.
    response = client.post(
        f"projects/{project}/forms",
        params={"ignoreWarnings": True, "publish": False},
        data=household_xlsx(tmp_path).read_bytes(),
        headers={"Content-Type": XLSX},
    )
    assert response.status_code == 200, response.text
    [form] = client.forms.list()
    assert (form.xmlFormId, form.version, form.publishedAt) == (HOUSEHOLD, "1", None)


def test_forms_get_and_get_xml_describe_the_published_definition(client, household):
    form = client.forms.get(HOUSEHOLD)
    assert (form.xmlFormId, form.version, form.state, form.name) == (
        HOUSEHOLD,
        "1",
        "open",
        "Household survey",
    )
    xform = client.forms.get_xml(HOUSEHOLD, encoding=None)
    instance = primary_instance(xform)
    assert (instance.get("id"), instance.get("version")) == (HOUSEHOLD, "1")
    assert form.hash == hashlib.md5(xform).hexdigest()


def test_forms_update_with_a_new_definition_and_media_publishes_version_2(
    client, project, household, tmp_path
):
    logo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    villages = b"name,label\nbko,Bamako\nsgu,Segou\n"
    media = files(tmp_path, {"logo.png": logo, "villages.csv": villages})
    client.forms.update(
        HOUSEHOLD, definition=household_xlsx(tmp_path, "2", media=True), attachments=media
    )
    assert client.forms.get(HOUSEHOLD).version == "2"
    versions = client.get(f"projects/{project}/forms/{HOUSEHOLD}/versions").json()
    assert sorted(v["version"] for v in versions) == ["1", "2"]
    attachments = client.get(f"projects/{project}/forms/{HOUSEHOLD}/attachments").json()
    assert [(a["name"], a["exists"], a["hash"]) for a in attachments] == [
        ("logo.png", True, hashlib.md5(logo).hexdigest()),
        ("villages.csv", True, hashlib.md5(villages).hexdigest()),
    ]
    served = client.get(f"projects/{project}/forms/{HOUSEHOLD}/attachments/villages.csv")
    assert served.content == villages


def test_forms_update_with_media_only_copies_the_definition_under_a_new_version(
    client, project, household, tmp_path
):
    client.forms.update(HOUSEHOLD, definition=household_xlsx(tmp_path, "2", media=True))
    logo = b"\x89PNG\r\n\x1a\nnew"
    client.forms.update(
        HOUSEHOLD,
        attachments=files(tmp_path, {"logo.png": logo}),
        version_updater=lambda v: str(int(v) + 1),
    )
    form = client.forms.get(HOUSEHOLD)
    assert form.version == "3"
    assert primary_instance(client.forms.get_xml(HOUSEHOLD, encoding=None)).get("version") == "3"
    served = client.get(f"projects/{project}/forms/{HOUSEHOLD}/attachments/logo.png")
    assert served.content == logo


def test_forms_update_with_media_only_versions_by_the_time_by_default(
    client, project, household, tmp_path
):
    client.forms.update(HOUSEHOLD, definition=household_xlsx(tmp_path, "2", media=True))
    client.forms.update(HOUSEHOLD, attachments=files(tmp_path, {"logo.png": b"\x89PNGnew"}))
    version = client.forms.get(HOUSEHOLD).version  # pyodk's datetime.now().isoformat()
    assert version.startswith(f"{datetime.now():%Y-%m-%dT}")
    assert primary_instance(client.forms.get_xml(HOUSEHOLD, encoding=None)).get("version") == (
        version
    )


def test_forms_update_to_an_existing_version_is_refused_with_409_6(client, household, tmp_path):
    with pytest.raises(pyodk_errors.PyODKError) as excinfo:
        client.forms.update(HOUSEHOLD, definition=household_xlsx(tmp_path, "1"))
    assert central_error(excinfo) == 409.6
    assert client.forms.get(HOUSEHOLD).version == "1"


# Submissions


@pytest.fixture
def three(client, household, clock):
    """simple, with_repeat and nested_repeat, submitted five minutes apart."""
    created = []
    for name in ("simple.xml", "with_repeat.xml", "nested_repeat.xml"):
        created.append(client.submissions.create(sample(name), HOUSEHOLD, device_id="pyodk:t1"))
        clock.advance(minutes=5)
    return created


def test_submissions_create_returns_the_submission_by_its_submitter(client, three):
    admin_id = client.get("users/current").json()["id"]
    assert [s.instanceId for s in three] == [SIMPLE_ID, REPEAT_ID, NESTED_ID]
    assert {(s.submitterId, s.deviceId, s.userAgent) for s in three} == {
        (admin_id, "pyodk:t1", "pyodk v1.3.0")
    }
    assert [s.attachments for s in three] == [None, None, None]


def test_submissions_list_and_get_return_what_was_sent(client, three):
    listed = client.submissions.list(HOUSEHOLD)
    assert sorted(s.instanceId for s in listed) == [SIMPLE_ID, REPEAT_ID, NESTED_ID]
    one = client.submissions.get(NESTED_ID, HOUSEHOLD)
    assert (one.instanceId, one.reviewState, one.deviceId) == (NESTED_ID, None, "pyodk:t1")
    assert one.createdAt == datetime(2026, 3, 4, 9, 10, tzinfo=UTC)  # the third, at 9:10


def test_the_same_submission_twice_is_refused_with_409_3(client, three):
    with pytest.raises(pyodk_errors.PyODKError) as excinfo:
        client.submissions.create(sample("simple.xml"), HOUSEHOLD)
    assert central_error(excinfo) == 409.3
    assert len(client.submissions.list(HOUSEHOLD)) == 3


def test_submission_attachments_upload_list_and_download(client, project, household, tmp_path):
    paths = files(tmp_path, {"1741079521992.jpg": PHOTO})
    created = client.submissions.create(
        sample("with_attachments.xml"), HOUSEHOLD, attachments=paths
    )
    assert [(a.name, a.exists) for a in created.attachments] == [
        ("1741079521992.jpg", True),
        ("note 1.m4a", False),
    ]
    base = f"projects/{project}/forms/{HOUSEHOLD}/submissions/{ATTACHED_ID}/attachments"
    voice = client.post(
        f"{base}/{client.session.urlquote('note 1.m4a')}",
        data=VOICE,
        headers={"Content-Type": "audio/mp4"},
    )
    assert voice.json() == {"success": True}
    listed = client.get(base).json()
    assert listed == [
        {"name": "1741079521992.jpg", "exists": True},
        {"name": "note 1.m4a", "exists": True},
    ]
    assert client.get(f"{base}/1741079521992.jpg").content == PHOTO
    assert client.get(f"{base}/note%201.m4a").content == VOICE


def test_an_xform_submission_with_its_photo(client, project, survey):
    photo = (DATA / "central" / "dwelling.jpg").read_bytes()
    created = client.submissions.create(
        sample("central/submission1.xml"),
        SURVEY,
        attachments=[DATA / "central" / "dwelling.jpg"],
    )
    assert (created.instanceId, [(a.name, a.exists) for a in created.attachments]) == (
        SURVEY_ID,
        [("dwelling.jpg", True)],
    )
    path = f"projects/{project}/forms/{SURVEY}/submissions/{SURVEY_ID}/attachments/dwelling.jpg"
    downloaded = client.get(path)
    assert downloaded.content == photo
    assert downloaded.headers["content-type"] == "image/jpeg"
    row = client.submissions.get_table(SURVEY)["value"][0]
    assert row["photo"] == "dwelling.jpg"
    assert row["__system"]["attachmentsPresent"] == 1
    assert row["__system"]["attachmentsExpected"] == 1


def test_submissions_edit_makes_a_new_version_and_comments_on_it(client, project, three):
    client.submissions.edit(
        SIMPLE_ID, sample("edit_deprecated.xml"), HOUSEHOLD, comment="Age corrected"
    )
    edited = client.submissions.get(SIMPLE_ID, HOUSEHOLD)
    assert edited.instanceId == SIMPLE_ID
    assert edited.updatedAt is not None
    versions = client.get(
        f"projects/{project}/forms/{HOUSEHOLD}/submissions/{SIMPLE_ID}/versions"
    ).json()
    assert sorted((v["instanceId"], v["current"]) for v in versions) == [
        (SIMPLE_ID, False),
        (EDITED_ID, True),
    ]
    assert [c.body for c in client.submissions.list_comments(SIMPLE_ID, HOUSEHOLD)] == [
        "Age corrected"
    ]
    table = client.submissions.get_table(HOUSEHOLD, filter=f"__id eq '{SIMPLE_ID}'")
    [row] = table["value"]
    assert (row["respondent"]["age"], row["__system"]["edits"]) == (29, 1)
    assert row["__system"]["reviewState"] == "edited"


def test_an_edit_without_deprecated_id_is_refused(client, three):
    with pytest.raises(pyodk_errors.PyODKError) as excinfo:
        client.submissions.edit(SIMPLE_ID, sample("simple.xml"), HOUSEHOLD)
    assert excinfo.value.args[1].status_code == 400


def test_submissions_review_approves_and_comments(client, three, clock):
    client.submissions.review(NESTED_ID, "approved", HOUSEHOLD, comment="Checked by phone")
    clock.advance(minutes=1)
    assert client.submissions.get(NESTED_ID, HOUSEHOLD).reviewState == "approved"
    admin_id = client.get("users/current").json()["id"]
    added = client.submissions.add_comment(NESTED_ID, "Second visit planned", form_id=HOUSEHOLD)
    assert (added.body, added.actorId) == ("Second visit planned", admin_id)
    comments = client.submissions.list_comments(NESTED_ID, HOUSEHOLD)
    assert [(c.body, c.actorId) for c in comments] == [  # newest first, as Central lists them
        ("Second visit planned", admin_id),
        ("Checked by phone", admin_id),
    ]


# The OData table


def test_get_table_expands_nested_repeats_inline(client, three):
    table = client.submissions.get_table(HOUSEHOLD, filter=f"__id eq '{NESTED_ID}'", expand="*")
    [row] = table["value"]
    assert row["__id"] == NESTED_ID
    assert row["respondent"]["name"] == "Moussa Keita"
    members = row["members"]
    assert [(m["m_name"], m["m_age"]) for m in members] == [
        ("Fatoumata", 38),
        ("Seydou", 12),
        ("Oumar", 40),
    ]
    assert [[(j["title"], j["pay"]) for j in m.get("jobs", [])] for m in members] == [
        [("Trader", 120000), ("Tailor", None)],
        [],
        [("Farmer", 75000.25)],
    ]


def test_get_table_reads_values_types_and_wkt(client, three):
    [row] = client.submissions.get_table(HOUSEHOLD, filter=f"__id eq '{SIMPLE_ID}'", wkt=True)[
        "value"
    ]
    respondent = row["respondent"]
    assert (respondent["age"], respondent["income"], respondent["dob"]) == (
        28,
        450000.5,
        "1998-07-15",
    )
    assert (respondent["sex"], respondent["needs"]) == ("male", "medical food")
    assert respondent["location"] == "POINT (-8.0029 12.6392 350)"
    assert row["__system"]["submitterName"] == ADMIN_EMAIL
    assert row["__system"]["deviceId"] == "pyodk:t1"


def test_get_table_selects_fields_by_path(client, three):
    table = client.submissions.get_table(
        HOUSEHOLD, select="__id,respondent/name,__system/reviewState"
    )
    assert table["value"] == [
        {
            "__id": NESTED_ID,
            "respondent": {"name": "Moussa Keita"},
            "__system": {"reviewState": None},
        },
        {
            "__id": REPEAT_ID,
            "respondent": {"name": "Awa Traoré"},
            "__system": {"reviewState": None},
        },
        {
            "__id": SIMPLE_ID,
            "respondent": {"name": "Mamadou Diallo"},
            "__system": {"reviewState": None},
        },
    ]


def test_get_table_filters_on_submission_date(client, three):
    second = client.submissions.get(REPEAT_ID, HOUSEHOLD).createdAt
    stamp = second.isoformat().replace("+00:00", "Z")
    later = client.submissions.get_table(HOUSEHOLD, filter=f"__system/submissionDate ge {stamp}")
    assert [r["__id"] for r in later["value"]] == [NESTED_ID, REPEAT_ID]
    earlier = client.submissions.get_table(HOUSEHOLD, filter=f"__system/submissionDate lt {stamp}")
    assert [r["__id"] for r in earlier["value"]] == [SIMPLE_ID]


def test_get_table_filters_on_review_state(client, three):
    client.submissions.review(REPEAT_ID, "approved", HOUSEHOLD)
    client.submissions.review(SIMPLE_ID, "rejected", HOUSEHOLD)
    approved = client.submissions.get_table(HOUSEHOLD, filter="__system/reviewState eq 'approved'")
    assert [r["__id"] for r in approved["value"]] == [REPEAT_ID]
    not_reviewed = client.submissions.get_table(
        HOUSEHOLD, filter="__system/reviewState eq null", count=True
    )
    assert [r["__id"] for r in not_reviewed["value"]] == [NESTED_ID]
    assert not_reviewed["@odata.count"] == 1


def test_get_table_pages_with_top_skip_and_count(client, three):
    first = client.submissions.get_table(HOUSEHOLD, top=2, count=True)
    assert first["@odata.count"] == 3
    assert [r["__id"] for r in first["value"]] == [NESTED_ID, REPEAT_ID]
    assert "@odata.nextLink" in first
    rest = client.submissions.get_table(HOUSEHOLD, top=2, skip=2, count=True)
    assert ([r["__id"] for r in rest["value"]], rest["@odata.count"]) == ([SIMPLE_ID], 3)
    assert "@odata.nextLink" not in rest
    only_count = client.submissions.get_table(HOUSEHOLD, top=0, count=True)
    assert (only_count["value"], only_count["@odata.count"]) == ([], 3)


def test_get_table_reads_a_repeat_table(client, three):
    members = client.submissions.get_table(HOUSEHOLD, table_name="Submissions.members")
    names = sorted(m["m_name"] for m in members["value"])
    assert names == ["Aissatou", "Fatoumata", "Ibrahima", "Oumar", "Seydou"]
    parents = {m["__Submissions-id"] for m in members["value"]}
    assert parents == {REPEAT_ID, NESTED_ID}
    jobs = client.submissions.get_table(HOUSEHOLD, table_name="Submissions.members.jobs")
    assert sorted(j["title"] for j in jobs["value"]) == ["Farmer", "Tailor", "Trader"]


# App users


def test_create_app_users_assigns_forms_and_skips_existing_names(client, project, household, live):
    users = client.projects.create_app_users(["tablet 1", "tablet 2"], forms=[HOUSEHOLD])
    assert [(u.displayName, u.projectId, u.type) for u in users] == [
        ("tablet 1", project, "field_key"),
        ("tablet 2", project, "field_key"),
    ]
    assert all(u.token for u in users)
    again = client.projects.create_app_users(["tablet 1", "tablet 3"])
    assert [u.displayName for u in again] == ["tablet 3"]
    assigned = client.get(f"projects/{project}/forms/{HOUSEHOLD}/assignments/app-user").json()
    assert sorted(a["actorId"] for a in assigned) == sorted(u.id for u in users)

    def form_ids(token):
        response = httpx.get(f"{live}/v1/key/{token}/projects/{project}/formList", headers=OPENROSA)
        assert response.status_code == 200, response.text
        return [e.text for e in etree.fromstring(response.content).iter(f"{FORM_LIST}formID")]

    assert form_ids(users[0].token) == [HOUSEHOLD]
    assert form_ids(again[0].token) == []
