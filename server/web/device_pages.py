"""Enumerators' devices: app users, the forms each may use, the QR code ODK Collect scans, and
revoking a lost tablet in one click. As in Central, a revoked app user stays listed ("Access
revoked", after the active ones, with no QR code); a deleted one (REST DELETE) is in the trash."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from server.accounts.app_users import collect_qr, issue_app_user
from server.auth import Permission
from server.errors import Problem, ProblemCode
from server.rest.actor_properties import NAME as PROPERTY_NAME
from server.rest.actor_properties import RESERVED
from server.rest.app_users import MAX_VALUE
from server.web.http import Web, page
from server.web.render import N_, translate
from storage.accounts.access import (
    assign_form,
    assigned_form_ids,
    get_app_user,
    list_app_users,
    revoke_app_user_access,
    unassign_form,
)
from storage.accounts.actor_properties import (
    actor_values,
    create_property,
    list_properties,
    set_values,
)
from storage.db import transaction
from storage.forms.versions import list_forms
from storage.projects import get_project

APP_USERS = "/projects/{project_id:id}/app-users"


def app_users(web: Web) -> Response:
    project_id = web.path_int("project_id")
    actor = web.require(Permission.PROJECT_MANAGE, project_id)
    if web.request.method == "POST":
        name = web.field("display_name")
        if not name:
            raise Problem(ProblemCode.MISSING_PARAMETER, field=translate("Name"))
        with transaction(web.state.engine) as connection:
            app_user, _token = issue_app_user(
                connection,
                web.state.token_box,
                project_id=project_id,
                display_name=name,
                created_by=actor.id,
                now=web.state.clock(),
            )
            for form in list_forms(connection, project_id):
                if form.xml_form_id in web.fields("forms"):
                    assign_form(connection, form.id, app_user.id, web.state.clock())
            web.audit(
                connection,
                "field_key.create",
                "field_key",
                app_user.id,
                {"displayName": name, "via": "web"},
            )
        return web.redirect(
            f"/projects/{project_id}/app-users/{app_user.id}",
            "App user created: scan the QR code with ODK Collect.",
        )
    with transaction(web.state.engine, read_only=True) as connection:
        project = get_project(connection, project_id)
        listed = list_app_users(connection, project_id)  # the deleted ones are in the trash
        # The active ones first, then the revoked ones, most recently revoked first.
        users = [u for u in listed if u.token_cipher] + sorted(
            (u for u in listed if not u.token_cipher),
            key=lambda u: u.updated_at or u.created_at,
            reverse=True,
        )
        forms = list_forms(connection, project_id)
        names = {f.id: f.name or f.xml_form_id for f in forms}
        assigned = {
            u.id: sorted(names[i] for i in assigned_form_ids(connection, u.id) if i in names)
            for u in users
        }
    return web.render(
        "app_users.html",
        project=project,
        users=users,
        forms=forms,
        assigned=assigned,
        crumbs=[
            (translate("Projects"), "/projects"),
            (project.name, f"/projects/{project_id}"),
            (translate("App users"), None),
        ],
    )


def app_user(web: Web) -> Response:
    project_id = web.path_int("project_id")
    web.require(Permission.PROJECT_MANAGE, project_id)
    actor_id = web.path_int("actor_id")
    if web.request.method == "POST":
        with transaction(web.state.engine) as connection:
            wanted = set(web.fields("forms"))
            for form in list_forms(connection, project_id):
                if form.xml_form_id in wanted:
                    assign_form(connection, form.id, actor_id, web.state.clock())
                else:
                    unassign_form(connection, form.id, actor_id)
            web.audit(
                connection,
                "field_key.assignments",
                "field_key",
                actor_id,
                {"forms": sorted(wanted)},
            )
        return web.redirect(f"/projects/{project_id}/app-users/{actor_id}", "Forms saved.")
    with transaction(web.state.engine, read_only=True) as connection:
        project = get_project(connection, project_id)
        found = next((u for u in list_app_users(connection, project_id) if u.id == actor_id), None)
        if found is None or found.deleted_at is not None:
            raise Problem(ProblemCode.NOT_FOUND)
        server_url = None
        if found.token_cipher:  # a revoked device has no QR code any more
            _payload, settings = collect_qr(
                connection,
                web.state.token_box,
                base_url=web.state.settings.base_url,
                project_id=project_id,
                actor_id=actor_id,
            )
            server_url = settings["general"]["server_url"]  # type: ignore[index]
        forms = list_forms(connection, project_id)
        assigned = assigned_form_ids(connection, actor_id)
        properties = list_properties(connection, project_id)
        values = actor_values(connection, project_id, actor_id)
    qr_base = f"/v1/projects/{project_id}/app-users/{actor_id}/qr"
    return web.render(
        "app_user.html",
        project=project,
        app_user=found,
        server_url=server_url,
        qr_png=qr_base + ".png",
        qr_svg=qr_base + ".svg",
        forms=forms,
        assigned=assigned,
        properties=properties,
        values=values,
        crumbs=[
            (translate("Projects"), "/projects"),
            (project.name, f"/projects/{project_id}"),
            (translate("App users"), f"/projects/{project_id}/app-users"),
            (found.display_name, None),
        ],
    )


def properties(web: Web) -> Response:
    """The app user's values of the project's actor properties (what entity lists' access
    filters match: which returnees its tablet gets), as `PATCH .../app-users/{id}` sets them;
    an empty value unsets one. A new property can be declared here too."""
    project_id = web.path_int("project_id")
    web.require(Permission.PROJECT_MANAGE, project_id)
    actor_id = web.path_int("actor_id")
    back = f"/projects/{project_id}/app-users/{actor_id}"
    new_name = web.field("new_property")
    with transaction(web.state.engine) as connection:
        get_app_user(connection, project_id, actor_id)
        if new_name:
            if (
                not PROPERTY_NAME.match(new_name)
                or new_name.lower() in RESERVED
                or new_name.startswith("__")
            ):
                raise Problem(
                    ProblemCode.UNEXPECTED_VALUE,
                    field=translate("New property"),
                    value=new_name,
                    reason=translate(
                        "A property name starts with a letter or _ and holds only letters, "
                        "digits, _, - and ."
                    ),
                )
            create_property(connection, project_id, new_name, web.state.clock())
            web.audit(
                connection,
                "actor_property.create",
                "project",
                project_id,
                {"name": new_name, "via": "web"},
            )
        wanted = _posted_values(web, list_properties(connection, project_id))
        if new_name and web.field("new_value"):
            wanted[new_name] = web.field("new_value")
        current = actor_values(connection, project_id, actor_id)
        changed = {k: v for k, v in wanted.items() if current.get(k) != v}
        if changed:
            set_values(connection, project_id, actor_id, changed)
            web.audit(
                connection,
                "field_key.property.set",
                "field_key",
                actor_id,
                {"properties": changed, "via": "web"},
            )
    saved = N_("Properties saved.") if changed or new_name else N_("Nothing changed.")
    return web.redirect(back, saved)


def _posted_values(web: Web, names: list[str]) -> dict[str, str | None]:
    """Each property's posted value, trimmed ("" unsets it, as the API's null)."""
    values: dict[str, str | None] = {}
    for name in names:
        if web.form is None or f"v.{name}" not in web.form:
            continue  # not on the page when it was opened: left as it is
        value = web.field(f"v.{name}")
        if len(value) > MAX_VALUE:
            raise Problem(
                ProblemCode.UNEXPECTED_VALUE,
                field=name,
                value=value[:100],
                reason=translate("At most %(num)d characters.", num=MAX_VALUE),
            )
        values[name] = value or None
    return values


def revoke(web: Web) -> Response:
    project_id = web.path_int("project_id")
    web.require(Permission.PROJECT_MANAGE, project_id)
    actor_id = web.path_int("actor_id")
    with transaction(web.state.engine) as connection:
        # Central's "Revoke access": the token goes, the app user stays listed as revoked.
        revoke_app_user_access(connection, project_id, actor_id, web.state.clock())
        web.audit(connection, "field_key.session.end", "field_key", actor_id, {"via": "web"})
    return web.redirect(
        f"/projects/{project_id}/app-users",
        "Access revoked: that device can no longer download forms or send submissions.",
    )


ROUTES = [
    Route(APP_USERS, page(app_users), methods=["GET", "POST"]),
    Route(APP_USERS + "/{actor_id:id}", page(app_user), methods=["GET", "POST"]),
    Route(APP_USERS + "/{actor_id:id}/properties", page(properties), methods=["POST"]),
    Route(APP_USERS + "/{actor_id:id}/revoke", page(revoke), methods=["POST"]),
]
