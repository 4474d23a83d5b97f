"""Trying a draft: the QR code that points ODK Collect at the draft, and the test submissions
it sent, read as the submission page reads real ones."""

from __future__ import annotations

from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from converters.form_logic import form_language
from converters.xform_schema import parse_xform
from server.accounts.keys import qr_image
from server.auth import Permission
from server.downloads import file_headers
from server.forms.draft_testing import draft_settings, draft_token
from server.web.form_pages import FORM, crumbs, form_url, load_form
from server.web.http import Web, page
from server.web.render import current_language, segment, translate
from server.web.repeat_windows import answers_page
from storage.db import transaction
from storage.errors import NotFound, StorageCode
from storage.forms.draft_tests import get_draft_submission
from storage.forms.drafts import get_draft
from storage.forms.versions import get_xform


def draft_qr(web: Web) -> Response:
    form = load_form(web, Permission.FORM_PUBLISH)
    with transaction(web.state.engine) as connection:
        draft = get_draft(connection, form)
        token = draft_token(connection, web.state.token_box, draft.id)
    payload, _settings = draft_settings(web.state.settings.base_url, token, form, draft.title)
    return Response(qr_image(payload, "png"), media_type="image/png")


def test_submission(web: Web) -> Response:
    form = load_form(web, Permission.FORM_PUBLISH)
    instance_id = web.request.path_params["instance_id"]
    with transaction(web.state.engine, read_only=True) as connection:
        draft = get_draft(connection, form)
        found = get_draft_submission(connection, draft.id, instance_id)
        schema = parse_xform(get_xform(connection, draft.id).encode("utf-8"))
    assert found is not None
    return web.render(
        "draft_test.html",
        form=form,
        draft=draft,
        test=found,
        answers=answers_page(web, schema, found.xml, form_language(schema, current_language())),
        files_url=f"{form_url(form)}/draft/tests/{segment(instance_id)}/files/",
        crumbs=crumbs(web, form, (translate("Draft test"), None)),
    )


def test_file(web: Web) -> Response:
    form = load_form(web, Permission.FORM_PUBLISH)
    name = web.request.path_params["name"]
    with transaction(web.state.engine, read_only=True) as connection:
        draft = get_draft(connection, form)
        found = get_draft_submission(connection, draft.id, web.request.path_params["instance_id"])
    sha256 = found.files.get(name) if found else None
    if sha256 is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the file {name} of this test")
    # As every file a device sent: the type its name implies, never the type it claimed.
    return StreamingResponse(web.state.blobs.iter_chunks(sha256), headers=file_headers(name))


ROUTES = [
    Route(FORM + "/draft/qr.png", page(draft_qr), methods=["GET"]),
    # `path`: an instanceID may hold "/" (see submission_pages.ROUTES).
    Route(FORM + "/draft/tests/{instance_id:path}/files/{name}", page(test_file), methods=["GET"]),
    Route(FORM + "/draft/tests/{instance_id:path}", page(test_submission), methods=["GET"]),
]
