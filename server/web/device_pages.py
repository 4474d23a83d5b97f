"""Enumerators' devices: app users, the forms each may use, the QR code ODK Collect scans, and
revoking a lost tablet in one click."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from server.app_users import collect_qr, issue_app_user
from server.auth import Permission
from server.errors import Problem, ProblemCode
from server.web.http import Web, page
from server.web.render import translate
from storage.access import (
    assign_form,
    assigned_form_ids,
    list_app_users,
    revoke_app_user,
    unassign_form,
)
from storage.db import transaction
from storage.forms import list_forms
from storage.projects import get_project

APP_USERS = "/projects/{project_id:id}/app-users"


def app_users(web: Web) -> Response:
    project_id = web.path_int("project_id")
    actor = web.require(Permission.PROJECT_MANAGE, project_id)
    if web.request.method == "POST":
        name = web.field("display_name")
        if not name:
            raise Problem(400, ProblemCode.MISSING_PARAMETER, field=translate("Name"))
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
        users = [u for u in list_app_users(connection, project_id) if u.deleted_at is None]
        forms = list_forms(connection, project_id)
        names = {f.id: f.xml_form_id for f in forms}
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
            raise Problem(404, ProblemCode.NOT_FOUND)
        payload, settings = collect_qr(
            connection,
            web.state.token_box,
            base_url=web.state.settings.base_url,
            project_id=project_id,
            actor_id=actor_id,
        )
        forms = list_forms(connection, project_id)
        assigned = assigned_form_ids(connection, actor_id)
    qr_base = f"/v1/projects/{project_id}/app-users/{actor_id}/qr"
    return web.render(
        "app_user.html",
        project=project,
        app_user=found,
        server_url=settings["general"]["server_url"],  # type: ignore[index]
        qr_png=qr_base + ".png",
        qr_svg=qr_base + ".svg",
        forms=forms,
        assigned=assigned,
        crumbs=[
            (translate("Projects"), "/projects"),
            (project.name, f"/projects/{project_id}"),
            (translate("App users"), f"/projects/{project_id}/app-users"),
            (found.display_name, None),
        ],
    )


def revoke(web: Web) -> Response:
    project_id = web.path_int("project_id")
    web.require(Permission.PROJECT_MANAGE, project_id)
    actor_id = web.path_int("actor_id")
    with transaction(web.state.engine) as connection:
        revoke_app_user(connection, project_id, actor_id, web.state.clock())
        web.audit(connection, "field_key.delete", "field_key", actor_id, {"via": "web"})
    return web.redirect(
        f"/projects/{project_id}/app-users",
        "Access revoked: that device can no longer download forms or send submissions.",
    )


ROUTES = [
    Route(APP_USERS, page(app_users), methods=["GET", "POST"]),
    Route(APP_USERS + "/{actor_id:id}", page(app_user), methods=["GET", "POST"]),
    Route(APP_USERS + "/{actor_id:id}/revoke", page(revoke), methods=["POST"]),
]
