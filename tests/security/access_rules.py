"""Who may use each route: the intended access of every (method, path) of the app, by role,
and the request each route is checked with (a real object in every path parameter, a body that
gets past validation to the permission check, a throwaway object for what a call destroys)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tests.security import access_accounts as accounts
from tests.security import access_lifecycle as lifecycle
from tests.security.access_world import (
    ADMIN,
    ANON,
    APP,
    APP_NONE,
    APP_OTHER,
    FORGED_KEY,
    OUTSIDER,
    PASSWORD,
    PNG,
    Person,
    World,
    form_md,
    multipart,
    visit_xml,
)
from tests.support.entities import E1
from tests.support.forms import XLSX
from tests.support.paths import FORMS as FORM_FILES

USERS = frozenset({"data_collector", "viewer", "analyst", "protection_officer", "manager"})
PUBLIC = frozenset({ANON, APP_OTHER, APP, APP_NONE, ADMIN, OUTSIDER} | USERS)
SIGNED_IN = USERS | {ADMIN, OUTSIDER}
AUTHENTICATED = SIGNED_IN | {APP_OTHER, APP, APP_NONE}
PROJECT = frozenset(USERS | {ADMIN})  # every role of this project
READ = PROJECT - {"data_collector"}  # submissions, entities, exports
FORMS = PROJECT | {APP}  # a form assigned to the app user
FORM_LIST = FORMS | {APP_NONE}  # the project's forms, each caller seeing its own
SUBMIT = frozenset({APP, "data_collector", "manager", ADMIN})
REVIEW = frozenset({"protection_officer", "manager", ADMIN})
MANAGE = frozenset({"manager", ADMIN})
ADMINS = frozenset({ADMIN})
WEB_SUBMIT = SUBMIT - {APP}  # on the web: the roles that may submit
NOBODY: frozenset[str] = frozenset()  # a credential no role holds (a public link's token)
SELF = frozenset({"viewer", ADMIN})  # GET /v1/users/{the viewer's id}

Recipe = Callable[[World, Person], dict]


@dataclass(frozen=True)
class Rule:
    methods: str  # GET stands for GET and HEAD
    path: str
    allowed: frozenset[str]
    recipe: Recipe | None = None
    answer: int | None = None  # what allowed callers get, when not a 2xx or 3xx


def _json(body: dict) -> Recipe:
    return lambda w, who: {"json": body}


def _form(data: dict) -> Recipe:
    return lambda w, who: {"data": data}


def _fresh_session(w: World, who: Person) -> dict:
    return {"person": w.fresh(who)}


def _fresh_app_user(w: World, who: Person) -> dict:
    p = f"/v1/projects/{w.project}/app-users"
    return {"params": {"actor_id": w.api("POST", p, json={"displayName": "lost"}).json()["id"]}}


def _fresh_entity(w: World, who: Person) -> dict:
    created = w.api(
        "POST", f"/v1/projects/{w.project}/datasets/returnees/entities", json={"label": "x"}
    )
    return {"params": {"uuid": created.json()["uuid"]}}


def _deleted_entity(w: World, who: Person) -> dict:
    uuid = _fresh_entity(w, who)["params"]["uuid"]
    w.api("DELETE", f"/v1/projects/{w.project}/datasets/returnees/entities/{uuid}")
    return {"params": {"uuid": uuid}}


def _entity_edit(w: World, who: Person) -> dict:
    """A new label for a fresh entity, on the version it is at."""
    return {**_fresh_entity(w, who), "data": {"base_version": "1", "label": f"y{w.next()}"}}


def _entities_csv(w: World, who: Person) -> dict:
    return {"files": [("file", ("new.csv", f"label\nz{w.next()}\n".encode(), "text/csv"))]}


def _bulk(deleted: bool) -> Recipe:
    def recipe(w: World, who: Person) -> dict:
        made = (_deleted_entity if deleted else _fresh_entity)(w, who)
        return {"json": {"ids": [made["params"]["uuid"]]}}

    return recipe


def _linked_form(w: World, who: Person) -> dict:
    """The follow-up, which takes the returnee list to devices, published and assigned to the
    app user (once): whoever may read it may check the list's integrity."""
    if "followup" not in w.ids:
        p = f"/v1/projects/{w.project}"
        found = w.client.get(f"{p}/forms/reintegration_followup", headers=w.admin)
        if found.status_code == 404:
            w.api(
                "POST",
                f"{p}/forms?publish=true&ignoreWarnings=true",
                content=(FORM_FILES / "reintegration_followup.xlsx").read_bytes(),
                headers={"Content-Type": XLSX},
            )
        app = w.people[APP].actor_id
        w.api("POST", f"{p}/forms/reintegration_followup/assignments/app-user/{app}")
        w.ids["followup"] = True
    return {}


def _actor_property(w: World, who: Person) -> dict:
    """A value for the app user in the path, of a property the project has."""
    w.client.post(
        f"/v1/projects/{w.project}/actor-properties", json={"name": "zone"}, headers=w.admin
    )  # 409 once it exists
    return {"json": {"properties": {"zone": f"z{w.next()}"}}}


def _scratch_draft(w: World, who: Person) -> dict:
    w.api("POST", f"/v1/projects/{w.project}/forms/scratch/draft")
    return {"params": {"form_id": "scratch"}}


def _publish_scratch(w: World, who: Person) -> dict:
    return {
        **_scratch_draft(w, who),
        "params": {"form_id": "scratch"},
        "query": f"version=v{w.next()}",
    }


def _web_publish_scratch(w: World, who: Person) -> dict:
    return {**_scratch_draft(w, who), "data": {"version": f"w{w.next()}"}}


def _assigned_role(w: World, who: Person) -> dict:
    w.api("POST", f"/v1/projects/{w.project}/assignments/viewer/{w.ids['spare_user']}")
    return {}


def _assigned_form(w: World, who: Person) -> dict:
    w.api("POST", f"/v1/projects/{w.project}/forms/visit/assignments/app-user/{w.ids['spare_app']}")
    return {}


def _new_form(w: World, who: Person) -> dict:
    return {
        "content": form_md(f"new{w.next()}", "1"),
        "headers": {"Content-Type": "text/markdown"},
        "query": "publish=true&ignoreWarnings=true",
    }


def _new_submission(w: World, who: Person) -> dict:
    return {"content": visit_xml(f"uuid:rest-{w.next()}"), "headers": {"Content-Type": "text/xml"}}


def _edit(w: World, who: Person) -> dict:
    """A submission of its own to edit, so that each allowed edit is a real one: the caller's,
    when it may submit (another's is refused: tests/security/test_edits.py), else the app
    user's."""
    n = w.next()
    sender = who if who.role in SUBMIT else w.people[APP]
    sent = w.send(
        sender,
        "POST",
        f"/v1/projects/{w.project}/submission",
        {"files": multipart(visit_xml(f"uuid:edit-{n}"))},
    )
    assert sent.status_code == 201, sent.text
    edited = visit_xml(f"uuid:edit-{n}-2", deprecated=f"uuid:edit-{n}")
    return {
        "params": {"instance_id": f"uuid:edit-{n}"},
        "content": edited,
        "headers": {"Content-Type": "text/xml"},
    }


def _openrosa(version: str = "1") -> Recipe:
    return lambda w, who: {"files": multipart(visit_xml(f"uuid:or-{w.next()}", version))}


def _upload(name: str, field: str) -> Recipe:
    return lambda w, who: {
        "files": {field: (name, form_md("scratch", f"u{w.next()}"), "text/plain")}
    }


V1P = "/v1/projects/{project_id:id}"
FORM = V1P + "/forms/{form_id}"
ONE = FORM + "/submissions/{instance_id}"
TEST = "/v1/test/{token}/projects/{project_id:id}/forms/{form_id}"
DATASET = V1P + "/datasets/{name}"
ENTITY = DATASET + "/entities/{uuid}"


def _web_submission(w: World, who: Person) -> dict:
    """What ODK Web Forms posts from the page: multipart, the session's CSRF token in a header."""
    return {
        "files": multipart(visit_xml(f"uuid:web-{w.next()}")),
        "headers": {"X-CSRF-Token": who.csrf or ""},
    }


def _web_edit(w: World, who: Person) -> dict:
    """An edit of a throwaway submission (each allowed caller replaces its current version)."""
    instance = f"uuid:web-edited-{w.next()}"
    w.api("POST", f"/v1/projects/{w.project}/submission", files=multipart(visit_xml(instance)))
    edit = visit_xml(f"uuid:web-edit-{w.next()}", deprecated=instance)
    return {
        "params": {"instance_id": instance},
        "files": multipart(edit),
        "headers": {"X-CSRF-Token": who.csrf or ""},
    }


def _fresh_public_link(w: World, who: Person) -> dict:
    p = f"/v1/projects/{w.project}/forms/visit/public-links"
    return {"params": {"link_id": w.api("POST", p, json={"displayName": "spare"}).json()["id"]}}


def _merged_pair(w: World, who: Person) -> dict:
    """The world's pair decided "same person" first, for a manager to undo."""
    if who.role in MANAGE:
        p = f"/v1/projects/{w.project}/datasets/returnees/duplicates/{w.ids['flag']}"
        w.api("POST", p, json={"decision": "duplicate"})
    return {"data": {}}


WP = "/projects/{project_id:id}"
WFORM = WP + "/forms/{form_id}"
WLIST = WP + "/entities/{name}"

RULES = [
    Rule("GET", "/health", PUBLIC),
    Rule("GET", "/static/{path:path}", PUBLIC),
    # OData, exports, OpenRosa
    Rule("GET", FORM + ".svc", READ),
    Rule("GET", FORM + ".svc/$metadata", READ),
    Rule("GET", FORM + ".svc/{resource:path}", READ),
    *[
        Rule(m, FORM + f"/submissions.{x}", READ)
        for x in ("csv.zip", "csv", "xlsx", "geojson", "sps")
        for m in ("GET", "POST")
    ],
    Rule("GET", V1P + "/formList", FORM_LIST),
    Rule("GET", FORM + ".xml", FORMS),
    Rule("GET", FORM + "/manifest", FORMS),
    Rule("GET", FORM + "/attachments/{name}", FORMS),
    # Trying a draft: the draft's key is the credential (who may see the draft holds it)
    Rule("GET", TEST + "/draft/formList", MANAGE),
    Rule("GET", TEST + "/draft.xml", MANAGE),
    Rule("GET", TEST + "/draft/manifest", MANAGE),
    Rule("GET", TEST + "/draft/attachments/{name}", MANAGE),
    Rule("GET", TEST + "/draft/submission", MANAGE),
    Rule("POST", TEST + "/draft/submission", MANAGE, _openrosa("2")),
    # The world's draft takes no entity list: its own key finds none there.
    Rule(
        "GET",
        "/v1/test/{token}/projects/{project_id:id}/datasets/{name}/integrity",
        MANAGE,
        answer=404,
    ),
    Rule("GET", V1P + "/submission", SUBMIT | {APP_NONE}),  # Collect's pre-flight: the project
    Rule("POST", V1P + "/submission", SUBMIT, _openrosa()),
    # sessions, users, roles, audit
    Rule(
        "POST", "/v1/sessions", PUBLIC, _json({"email": "viewer@example.org", "password": PASSWORD})
    ),
    Rule("DELETE", "/v1/sessions/current", SIGNED_IN, _fresh_session),
    Rule("GET", "/v1/users/current", AUTHENTICATED),
    Rule("GET", "/v1/users", ADMINS),
    Rule(
        "POST", "/v1/users", ADMINS, lambda w, who: {"json": {"email": f"u{w.next()}@example.org"}}
    ),
    Rule("GET", "/v1/users/{user_id:id}", SELF),
    # accounts (issue 19)
    Rule("PATCH", "/v1/users/{user_id:id}", SELF, _json({"displayName": "Viewer"})),
    Rule("DELETE", "/v1/users/{user_id:id}", ADMINS, accounts.throwaway_user),
    Rule(
        "PUT",
        "/v1/users/{user_id:id}/password",
        SELF,
        accounts.wrong_current_password,
        answer=401,
    ),
    Rule(
        "POST",
        "/v1/users/reset/initiate",
        PUBLIC,
        lambda w, who: {"json": {"email": f"forgot{w.next()}@example.org"}},
    ),
    Rule("POST", "/v1/users/reset/verify", PUBLIC, accounts.reset_verify, answer=401),
    Rule("DELETE", "/v1/sessions/{token}", SIGNED_IN, accounts.own_second_session),
    Rule("GET", "/v1/sessions/restore", PUBLIC, accounts.cookie, answer=404),
    Rule("GET", "/v1/roles", PUBLIC),
    Rule("GET", V1P + "/assignments", MANAGE),
    Rule("POST", V1P + "/assignments/{role}/{actor_id:id}", MANAGE),
    Rule("DELETE", V1P + "/assignments/{role}/{actor_id:id}", MANAGE, _assigned_role),
    Rule("GET", "/v1/audits", ADMINS),
    # projects, forms, drafts
    Rule("GET", "/v1/projects", AUTHENTICATED),
    Rule("POST", "/v1/projects", ADMINS, _json({"name": "New"})),
    Rule("GET", V1P, PROJECT),
    Rule("GET", FORM + ".xlsx", FORMS),
    Rule("GET", FORM + ".xls", FORMS, answer=404),  # the form was uploaded as .xlsx
    Rule("GET", FORM + "/draft.xml", MANAGE),
    Rule("GET", FORM + "/draft", MANAGE),
    Rule("POST", FORM + "/draft", MANAGE, lambda w, who: {"params": {"form_id": "scratch"}}),
    Rule("DELETE", FORM + "/draft", MANAGE, _scratch_draft),
    Rule("POST", FORM + "/draft/publish", MANAGE, _publish_scratch),
    Rule("GET", FORM + "/draft/attachments", MANAGE),
    Rule("POST", FORM + "/draft/attachments/{name}", MANAGE, lambda w, who: {"content": PNG}),
    Rule("GET", FORM + "/versions", FORMS),
    Rule("GET", FORM + "/versions/{version}.xml", FORMS),
    Rule("GET", FORM + "/fields", FORMS),
    Rule("GET", FORM + "/draft/fields", MANAGE),
    Rule("GET", FORM + "/versions/{version}/fields", FORMS),
    Rule("GET", V1P + "/forms", FORM_LIST),
    Rule("POST", V1P + "/forms", MANAGE, _new_form),
    Rule("GET", FORM, FORMS),
    Rule("PATCH", FORM, MANAGE, _json({"state": "open"})),
    Rule("GET", FORM + "/attachments", FORMS),
    Rule("POST", FORM + "/attachments/{name}", MANAGE, lambda w, who: {"content": PNG}),
    Rule("GET", FORM + "/assignments/app-user", MANAGE),
    Rule("POST", FORM + "/assignments/app-user/{actor_id:id}", MANAGE),
    Rule("POST", FORM + "/assignments/2/{actor_id:id}", MANAGE),
    Rule("DELETE", FORM + "/assignments/app-user/{actor_id:id}", MANAGE, _assigned_form),
    Rule("DELETE", FORM + "/assignments/2/{actor_id:id}", MANAGE, _assigned_form),
    # app users
    Rule("GET", V1P + "/app-users", MANAGE),
    Rule("POST", V1P + "/app-users", MANAGE, _json({"displayName": "Tablet"})),
    Rule("DELETE", V1P + "/app-users/{actor_id:id}", MANAGE, _fresh_app_user),
    Rule("POST", V1P + "/app-users/{actor_id:id}/restore", MANAGE, lifecycle.deleted_app_user),
    Rule("POST", V1P + "/app-users/{actor_id:id}", MANAGE, _actor_property),
    Rule("PATCH", V1P + "/app-users/{actor_id:id}", MANAGE, _actor_property),
    Rule("GET", V1P + "/actor-properties", MANAGE),
    Rule(
        "POST", V1P + "/actor-properties", MANAGE, lambda w, who: {"json": {"name": f"p{w.next()}"}}
    ),
    Rule("GET", V1P + "/app-users/{actor_id:id}/qr", MANAGE),
    Rule("GET", V1P + "/app-users/{actor_id:id}/qr.{kind:str}", MANAGE),
    # submissions
    Rule("GET", FORM + "/submissions", READ),
    Rule("POST", FORM + "/submissions", SUBMIT, _new_submission),
    Rule("GET", ONE + ".xml", READ),
    Rule("GET", ONE, READ),
    Rule("PATCH", ONE, REVIEW, _json({"reviewState": "approved"})),
    Rule("PUT", ONE, SUBMIT, _edit),  # as Central: whoever may submit, but only their own
    Rule("GET", ONE + "/versions", READ),
    Rule("GET", ONE + "/versions/{version_id}.xml", READ),
    Rule("GET", ONE + "/comments", READ),
    Rule("POST", ONE + "/comments", REVIEW, _json({"body": "Checked"})),
    Rule("GET", ONE + "/attachments", READ),
    Rule("GET", ONE + "/attachments/{name}", READ),
    Rule("POST", ONE + "/attachments/{name}", MANAGE, lambda w, who: {"content": PNG}),
    # the trash (issue 18)
    Rule("DELETE", ONE, MANAGE, lifecycle.fresh_submission),
    Rule("POST", ONE + "/restore", MANAGE, lifecycle.deleted_submission),
    Rule("DELETE", FORM, MANAGE, lifecycle.fresh_form),
    Rule("POST", V1P + "/forms/{id:int}/restore", MANAGE, lifecycle.deleted_form),
    Rule("DELETE", V1P, ADMINS, lifecycle.fresh_project),
    # entities and cases
    Rule("GET", V1P + "/datasets/{name}.svc/Entities", READ),
    Rule("GET", V1P + "/datasets", READ),
    Rule("POST", V1P + "/datasets", MANAGE, lambda w, who: {"json": {"name": f"list{w.next()}"}}),
    Rule(
        "POST", DATASET + "/properties", MANAGE, lambda w, who: {"json": {"name": f"p{w.next()}"}}
    ),
    Rule("GET", DATASET + "/entities.csv", READ),
    Rule("GET", DATASET, READ),
    Rule("PATCH", DATASET, MANAGE, _json({"approvalRequired": False, "ownerOnly": False})),
    # Collect's check of the entities it holds: who lists entities, or reads a form taking them
    Rule("GET", DATASET + "/integrity", READ | {"data_collector", APP}, _linked_form),
    Rule("GET", DATASET + "/entities.geojson", READ),
    Rule("GET", DATASET + "/entities/creators", READ),
    Rule("POST", DATASET + "/entities/bulk-delete", MANAGE, _bulk(deleted=False)),
    Rule("POST", DATASET + "/entities/bulk-restore", MANAGE, _bulk(deleted=True)),
    Rule("GET", DATASET + "/entities", READ),
    Rule("POST", DATASET + "/entities", MANAGE, _json({"label": "Someone"})),
    Rule("GET", ENTITY, READ),
    Rule("PATCH", ENTITY, REVIEW, lambda w, who: {"json": {}, "query": "force=true"}),
    Rule("DELETE", ENTITY, MANAGE, _fresh_entity),
    Rule("GET", ENTITY + "/versions", READ),
    Rule("GET", ENTITY + "/diffs", READ),
    Rule("GET", ENTITY + "/audits", READ),
    Rule("GET", ENTITY + "/geojson", READ),
    Rule("POST", ENTITY + "/restore", MANAGE, _deleted_entity),
    Rule("GET", ENTITY + "/case", READ),
    Rule("GET", DATASET + "/duplicates", REVIEW),
    Rule("POST", DATASET + "/duplicates/{flag_id:id}", REVIEW, _json({"decision": "distinct"})),
    # web pages
    Rule("GET", "/", PUBLIC),
    Rule("GET", "/login", PUBLIC),
    Rule("POST", "/login", PUBLIC, _form({"email": "viewer@example.org", "password": PASSWORD})),
    Rule("POST", "/logout", SIGNED_IN, _fresh_session),
    Rule("POST", "/account/language", PUBLIC, _form({"language": "en", "next": "/projects"})),
    # single sign-on: not configured in the matrix's world, so not found for anyone
    Rule("GET", "/login/oidc", PUBLIC, answer=404),
    Rule("GET", "/login/oidc/callback", PUBLIC, answer=404),
    Rule("GET", "/account", SIGNED_IN),
    Rule("POST", "/account/password", SIGNED_IN, _form({"current": "wrong"}), answer=401),
    Rule("POST", "/account/sessions/end", SIGNED_IN, _form({"session": "0" * 64})),
    Rule("GET", "/account/forgot", PUBLIC),
    Rule(
        "POST",
        "/account/forgot",
        PUBLIC,
        lambda w, who: {"data": {"email": f"lost{w.next()}@example.org"}},
    ),
    Rule("GET", "/account/reset", PUBLIC, answer=400),  # no token: the page says so
    Rule("POST", "/account/reset", PUBLIC, accounts.reset_page),
    Rule("GET", "/users/{user_id:id}", ADMINS),
    Rule(
        "POST",
        "/users/{user_id:id}",
        ADMINS,
        _form({"display_name": "Viewer", "email": "viewer@example.org"}),
    ),
    Rule("POST", "/users/{user_id:id}/reset", ADMINS),
    Rule("POST", "/users/{user_id:id}/deactivate", ADMINS, accounts.throwaway_user),
    Rule("POST", "/users/{user_id:id}/reactivate", ADMINS),
    Rule("POST", "/users/{user_id:id}/delete", ADMINS, accounts.throwaway_user),
    Rule("GET", "/projects", SIGNED_IN),
    Rule("POST", "/projects", ADMINS, _form({"name": "From the web"})),
    Rule("GET", WP, PROJECT),
    Rule("GET", WP + "/members", MANAGE),
    Rule("POST", WP + "/members", MANAGE, _form({"role": "viewer", "email": "spare@example.org"})),
    Rule("GET", "/users", ADMINS),
    Rule(
        "POST",
        "/users",
        ADMINS,
        lambda w, who: {"data": {"email": f"web{w.next()}@example.org", "password": PASSWORD}},
    ),
    Rule("POST", WP + "/forms/upload", MANAGE, _upload("scratch.md", "xlsform")),
    Rule("GET", WFORM, PROJECT),
    Rule("POST", WFORM + "/publish", MANAGE, _web_publish_scratch),
    Rule("POST", WFORM + "/draft/discard", MANAGE, _scratch_draft),
    Rule("POST", WFORM + "/state", MANAGE, _form({"state": "open"})),
    Rule("POST", WFORM + "/media", MANAGE, lambda w, who: {"files": {"file": ("logo.png", PNG)}}),
    Rule("GET", WFORM + "/draft/qr.png", MANAGE),
    Rule("GET", WFORM + "/draft/tests/{instance_id:path}", MANAGE),
    Rule("GET", WFORM + "/draft/tests/{instance_id:path}/files/{name}", MANAGE),
    Rule("GET", WP + "/app-users", MANAGE),
    Rule("POST", WP + "/app-users", MANAGE, _form({"display_name": "Tablet", "forms": "visit"})),
    Rule("GET", WP + "/app-users/{actor_id:id}", MANAGE),
    Rule("POST", WP + "/app-users/{actor_id:id}", MANAGE, _form({"forms": "visit"})),
    Rule("POST", WP + "/app-users/{actor_id:id}/revoke", MANAGE, _fresh_app_user),
    Rule("POST", WP + "/app-users/{actor_id:id}/properties", MANAGE, _form({"v.zone": "z"})),
    Rule("GET", WFORM + "/submissions", READ),
    Rule("POST", WFORM + "/submissions/columns", READ, _form({"reset": "1"})),
    Rule("GET", WFORM + "/gallery", READ),
    Rule(
        "POST",
        WFORM + "/submissions/review",
        REVIEW,
        lambda w, who: {"data": {"state": "approved", "instance": w.ids["instance"]}},
    ),
    Rule(
        "POST", WFORM + "/submissions/{instance_id:path}/delete", MANAGE, lifecycle.fresh_submission
    ),
    Rule("POST", WFORM + "/delete", MANAGE, lifecycle.fresh_form),
    Rule("GET", WP + "/trash", MANAGE),
    Rule("POST", WP + "/trash", MANAGE, lifecycle.deleted_form_restore),
    Rule("POST", WP + "/delete", ADMINS, lifecycle.fresh_project),
    Rule("GET", "/trash/projects", ADMINS),
    Rule("POST", "/trash/projects", ADMINS, lifecycle.deleted_project_restore),
    Rule("GET", WFORM + "/submissions/{instance_id:path}", READ),
    Rule(
        "POST",
        WFORM + "/submissions/{instance_id:path}/review",
        REVIEW,
        _form({"state": "approved"}),
    ),
    Rule("GET", WFORM + "/export", READ),
    Rule("GET", WFORM + "/export/download", READ, lambda w, who: {"query": "format=csv"}),
    Rule("GET", WFORM + "/dashboard", READ),
    Rule("POST", WFORM + "/dashboard/charts", READ, _form({"reset": "1"})),
    Rule("GET", WFORM + "/map", READ),
    Rule("GET", WFORM + "/map.svg", READ),
    Rule("GET", "/audit", ADMINS),
    Rule("GET", WFORM + "/preview", PROJECT),
    # Forms in the browser (ODK Web Forms): server/web/webform_pages.py, webform_intake.py.
    Rule("GET", WFORM + "/preview/form", PROJECT),
    Rule("GET", WFORM + "/media/{name}", PROJECT),
    Rule("GET", WFORM + "/submissions/new", WEB_SUBMIT),
    Rule("POST", WFORM + "/submissions/new", WEB_SUBMIT, _web_submission),
    Rule("GET", WFORM + "/submissions/{instance_id:path}/edit", MANAGE),
    Rule("GET", WFORM + "/submissions/{instance_id:path}/edit/files/{name}", MANAGE),
    Rule("POST", WFORM + "/submissions/{instance_id:path}/edit", MANAGE, _web_edit),
    # Public links: managed by managers over REST; the link's page takes the link's token
    # (`?st=`), which no role has (tests/web/test_public_links.py uses it).
    Rule("GET", FORM + "/public-links", MANAGE),
    Rule("POST", FORM + "/public-links", MANAGE, _json({"displayName": "Kiosk", "once": True})),
    Rule("DELETE", FORM + "/public-links/{link_id:id}", MANAGE, _fresh_public_link),
    Rule("GET", WFORM + "/link", NOBODY),
    Rule("POST", WFORM + "/link", NOBODY, _web_submission),
    Rule("POST", WFORM + "/links", MANAGE, _form({"display_name": "Kiosk", "once": "yes"})),
    Rule("POST", WFORM + "/links/{link_id:id}/revoke", MANAGE, _fresh_public_link),
    Rule("GET", WLIST + "/duplicates", REVIEW),
    Rule(
        "POST",
        WLIST + "/duplicates",
        REVIEW,
        lambda w, who: {"data": {"flag": str(w.ids["flag"]), "decision": "distinct"}},
    ),
    # The decision page and a manager's undo of "same person" (server/web/duplicate_pages.py).
    Rule("GET", WLIST + "/duplicates/{flag_id:id}", REVIEW),
    Rule("POST", WLIST + "/duplicates/{flag_id:id}", REVIEW, _form({"decision": "distinct"})),
    Rule("POST", WLIST + "/duplicates/{flag_id:id}/undo", MANAGE, _merged_pair),
    Rule("GET", WP + "/entities", READ),
    Rule("GET", WLIST, READ),
    Rule("GET", WLIST + "/table", READ),
    Rule("GET", WLIST + "/map", READ),
    Rule("GET", WLIST + "/upload", MANAGE),
    Rule("POST", WLIST + "/upload", MANAGE, _entities_csv),
    Rule("GET", WLIST + "/{uuid:path}/erase", REVIEW),  # protection officers and managers
    Rule("POST", WLIST + "/{uuid:path}/erase", REVIEW, lifecycle.fresh_person),
    Rule("GET", WLIST + "/{uuid:path}/edit", REVIEW),
    Rule("POST", WLIST + "/{uuid:path}/edit", REVIEW, _entity_edit),
    Rule("GET", WLIST + "/{uuid:path}", READ),
    Rule("POST", WLIST + "/{uuid:path}", REVIEW),
    Rule("GET", WP + "/programme", READ),
]


def params_for(w: World, path: str, who: Person) -> dict[str, object]:
    """A real object for each path parameter of `path`."""
    name = "logo.png"
    if "/datasets/{name}" in path or "/entities/{name}" in path:
        name = "returnees"
    elif "/{instance_id}/attachments/{name}" in path or "/files/{name}" in path:
        name = "p.jpg"
    draft_key = w.ids["draft_key"] if who.role in ("manager", ADMIN) else who.key or FORGED_KEY
    return {
        "project_id": w.project,
        "form_id": "returnee_intake" if path.endswith((".xlsx", ".xls")) else "visit",
        "instance_id": w.ids["draft_test" if "/draft/tests/" in path else "instance"],
        "version": "1",
        "version_id": w.ids["instance"],
        "resource": "Submissions",
        "uuid": E1,
        "flag_id": w.ids["flag"],
        "link_id": 1,  # a public link: recipes make a real one where a call needs it
        "id": 1,  # a form's numeric id (Central's restore): recipes trash a real one
        "user_id": w.people["viewer"].actor_id,
        "role": "viewer",
        "kind": "png",
        "actor_id": w.ids["spare_user" if "/assignments/{role}/" in path else "spare_app"],
        "token": draft_key,
        "path": "baobab.css",
        "name": name,
    }


PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def fill(path: str, values: dict[str, object]) -> str:
    return PARAM.sub(lambda m: str(values[m.group(1)]), path)
