"""Trying a draft on a device, as ODK Central lets designers do: ODK Collect configured with
`/v1/test/{key}/projects/{p}/forms/{f}/draft` (the draft's QR code) downloads the draft and its
media and sends test submissions. They are converted exactly as real ones would be (a value
the tables could not hold is refused with the same message), kept apart from the form's tables,
shown on the draft's page, and deleted when the draft is published or discarded."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from converters.errors import ConversionCode, SubmissionError
from converters.submission import parse_submission, submission_rows
from converters.table_plan import plan_tables
from converters.xform_schema import parse_xform
from server.accounts.keys import (
    TOKEN_PATTERN,
    TokenBox,
    collect_settings,
    new_token,
    qr_payload,
    token_hash,
)
from server.body_limit import allow_body
from server.downloads import xml_download
from server.errors import Problem, ProblemCode
from server.openrosa.documents import (
    FormListEntry,
    entity_integrity,
    form_list,
    manifest,
    openrosa_response,
)
from server.openrosa.http import openrosa_endpoint, require_openrosa_version, xml_response
from server.openrosa.routes import Media, form_media, media_response
from server.openrosa.routes import _ids as entity_ids  # Collect's ?id=a,b (one parser)
from server.openrosa.routes import _media_file as media_file  # the published manifest's entry
from server.services import services
from server.submissions.intake import IncomingFile, store_file
from server.submissions.routes import SUCCESS, submission_parts
from storage.db import transaction
from storage.entities.scope import entity_states
from storage.errors import NotFound, StorageCode
from storage.forms.draft_tests import (
    draft_by_token,
    draft_token_cipher,
    set_draft_token,
    store_draft_submission,
)
from storage.forms.versions import FormRecord, FormVersionRecord, get_xform

TEST = "/v1/test/{token}/projects/{project_id:id}/forms/{form_id}/draft"


def draft_token(connection: Connection, box: TokenBox, draft_id: int) -> str:
    """The draft's test key, made on first use and kept sealed so its QR code can be shown
    again."""
    cipher = draft_token_cipher(connection, draft_id)
    token = box.open(cipher) if cipher else None
    if token is None:
        token = new_token()
        set_draft_token(connection, draft_id, token_hash(token), box.seal(token))
    return token


def draft_settings(
    base_url: str, token: str, form: FormRecord, title: str
) -> tuple[str, dict[str, object]]:
    """The QR payload that points Collect at the draft (and only the draft)."""
    settings = collect_settings(test_url(base_url, token, form), f"[Draft] {title}")
    return qr_payload(settings), settings


def _draft(connection: Connection, request: Request) -> tuple[FormRecord, FormVersionRecord]:
    token = request.path_params["token"]
    found = draft_by_token(connection, token_hash(token)) if TOKEN_PATTERN.match(token) else None
    if (
        found is None
        or found[0].project_id != int(request.path_params["project_id"])
        or found[0].xml_form_id != request.path_params["form_id"]
    ):
        raise Problem(ProblemCode.NOT_FOUND)
    return found


def test_url(base_url: str, token: str, form: FormRecord) -> str:
    """The address Collect is given for a draft; formList, manifest and submission follow it."""
    form_id = quote(form.xml_form_id, safe="")
    return f"{base_url}/v1/test/{token}/projects/{form.project_id}/forms/{form_id}/draft"


def _base(request: Request, form: FormRecord) -> str:
    return test_url(services(request).settings.base_url, request.path_params["token"], form)


@openrosa_endpoint
async def form_list_endpoint(request: Request) -> Response:
    require_openrosa_version(request)
    return xml_response(await run_in_threadpool(_form_list, request), request)


def _form_list(request: Request) -> bytes:
    with transaction(services(request).engine, read_only=True) as connection:
        form, draft = _draft(connection, request)
        has_media = bool(form_media(connection, draft.id, form.project_id, hashes=False))
    base = _base(request, form)
    entry = FormListEntry(
        form_id=form.xml_form_id,
        name=draft.title,
        version=draft.version,
        md5=draft.xform_md5,
        download_url=f"{base}.xml",
        manifest_url=f"{base}/manifest" if has_media else None,
    )
    return form_list([entry])


@openrosa_endpoint
async def form_xml_endpoint(request: Request) -> Response:
    def read() -> str:
        with transaction(services(request).engine, read_only=True) as connection:
            _form, draft = _draft(connection, request)
            return get_xform(connection, draft.id)

    xform = await run_in_threadpool(read)
    return xml_download(xform.encode("utf-8"), f"{request.path_params['form_id']}.xml")


@openrosa_endpoint
async def manifest_endpoint(request: Request) -> Response:
    require_openrosa_version(request)

    def read() -> bytes:
        with transaction(services(request).engine, read_only=True) as connection:
            form, draft = _draft(connection, request)
            media = form_media(connection, draft.id, form.project_id)
        # As the published manifest: entity lists typed, with where Collect checks which of
        # its entities are gone (the test key's own integrity route below).
        base = _base(request, form)
        project = base.split("/forms/", 1)[0]  # .../v1/test/{key}/projects/{id}
        return manifest([media_file(m, base, project) for m in media])

    return xml_response(await run_in_threadpool(read), request)


@openrosa_endpoint
async def media_endpoint(request: Request) -> Response:
    name = request.path_params["name"]

    def find() -> Media:
        with transaction(services(request).engine, read_only=True) as connection:
            form, draft = _draft(connection, request)
            media = form_media(connection, draft.id, form.project_id)
        found = next((m for m in media if m.name == name), None)
        if found is None:
            raise NotFound(StorageCode.NOT_FOUND, what=f"the form attachment '{name}'")
        return found

    return media_response(request, await run_in_threadpool(find))


@openrosa_endpoint
async def submission_endpoint(request: Request) -> Response:
    require_openrosa_version(request)
    if request.method in ("HEAD", "GET"):
        await run_in_threadpool(_check, request)
        return Response(status_code=204)
    await run_in_threadpool(_check, request)
    allow_body(request)  # the draft's key is right and the form still a draft
    async with submission_parts(request) as (xml, files):
        await run_in_threadpool(_receive, request, xml, files)
    return xml_response(openrosa_response(SUCCESS), request, 201)


@openrosa_endpoint
async def integrity_endpoint(request: Request) -> Response:
    """Which entities of a list the draft reads are deleted (`?id=`), for Collect testing the
    draft: the whole list, as the draft's media gives it whole (Central does the same)."""
    require_openrosa_version(request)
    return xml_response(await run_in_threadpool(_integrity, request), request)


def _integrity(request: Request) -> bytes:
    token = request.path_params["token"]
    name = request.path_params["name"]
    with transaction(services(request).engine, read_only=True) as connection:
        found = (
            draft_by_token(connection, token_hash(token)) if TOKEN_PATTERN.match(token) else None
        )
        if found is None or found[0].project_id != int(request.path_params["project_id"]):
            raise Problem(ProblemCode.NOT_FOUND)
        form, draft = found
        media = form_media(connection, draft.id, form.project_id, hashes=False)
        entity_list = next(
            (m.entity_list for m in media if m.entity_list and m.entity_list.name == name), None
        )
        if entity_list is None:
            raise NotFound(StorageCode.NOT_FOUND, what=f"the entity list '{name}' of this draft")
        states = entity_states(connection, entity_list.id, entity_ids(request), None)
    return entity_integrity(states)


def _check(request: Request) -> None:
    with transaction(services(request).engine, read_only=True) as connection:
        _draft(connection, request)


def _receive(request: Request, xml: bytes, files: list[IncomingFile]) -> None:
    state = services(request)
    with transaction(state.engine, read_only=True) as connection:
        form, draft = _draft(connection, request)
        xform = get_xform(connection, draft.id)
    envelope, root = parse_submission(xml)
    if envelope.form_id != form.xml_form_id:
        raise SubmissionError(
            ConversionCode.SUBMISSION_WRONG_FORM, got=envelope.form_id, expected=form.xml_form_id
        )
    if (envelope.version or "") != draft.version:
        raise NotFound(
            StorageCode.FORM_VERSION_NOT_FOUND,
            form_id=form.xml_form_id,
            version=envelope.version or "",
        )
    schema = parse_xform(xform.encode("utf-8"))
    plan = plan_tables(schema, table_prefix=form.table_prefix).version
    # Refuses what the tables could not hold, as for a published form.
    rows = submission_rows(
        root, schema, plan, max_repeat_instances=state.settings.max_repeat_instances
    )
    wanted = [ref.name for ref in rows.attachments]
    received = {}
    for incoming in files:
        if incoming.name in wanted and incoming.name not in received:
            received[incoming.name] = store_file(state.blobs, incoming)
    with transaction(state.engine) as connection:
        _draft(connection, request)  # still a draft
        store_draft_submission(
            connection,
            draft.id,
            instance_id=envelope.instance_id,
            instance_name=envelope.instance_name,
            xml=xml.decode("utf-8"),
            files={name: received.get(name) for name in wanted},
            device_id=request.query_params.get("deviceID"),
            now=state.clock(),
        )


ROUTES = [
    Route(TEST + "/formList", form_list_endpoint, methods=["GET", "HEAD"]),
    Route(
        "/v1/test/{token}/projects/{project_id:id}/forms/{form_id}/draft.xml",
        form_xml_endpoint,
    ),
    Route(TEST + "/manifest", manifest_endpoint),
    Route(TEST + "/attachments/{name}", media_endpoint),
    Route(TEST + "/submission", submission_endpoint, methods=["HEAD", "GET", "POST"]),
    Route(
        "/v1/test/{token}/projects/{project_id:id}/datasets/{name}/integrity", integrity_endpoint
    ),
]
