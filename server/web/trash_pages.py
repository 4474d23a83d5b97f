"""The trash in the web interface: delete a submission or a form (a confirmation, then the
trash), the project's trash page with an undo for each, and erasing a person from their case
page (a page that says what goes, and asks why). Managers delete and restore; a protection
officer or a manager erases."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from server.accounts.app_users import reissue_app_user
from server.auth import Permission
from server.errors import Problem, ProblemCode
from server.web.entity_list_pages import list_url, trail
from server.web.form_pages import load_form
from server.web.http import Web, page
from server.web.params import whole_number
from server.web.render import segment, translate
from storage.db import transaction
from storage.entities.lists import get_list
from storage.forms.versions import list_forms
from storage.lifecycle.app_user_trash import trashed_app_users
from storage.lifecycle.erasure import erase_person, footprint
from storage.lifecycle.trash import (
    restore_form,
    restore_project,
    restore_submission,
    trash_form,
    trash_project,
    trash_submission,
    trashed_forms,
    trashed_projects,
    trashed_submissions,
)
from storage.projects import get_project
from storage.submissions.queries import get_submission

PROJECT = "/projects/{project_id:id}"
FORM = PROJECT + "/forms/{form_id}"
MAX_REASON = 2000


def delete_submission(web: Web) -> Response:
    form = load_form(web, Permission.PROJECT_MANAGE)
    instance_id = web.request.path_params["instance_id"]
    with transaction(web.state.engine) as connection:
        submission = get_submission(connection, form.id, instance_id)
        trash_submission(connection, submission.id, web.state.clock())
        web.audit(connection, "submission.delete", "submission", instance_id, {"via": "web"})
    return web.redirect(
        f"/projects/{form.project_id}/forms/{segment(form.xml_form_id)}/submissions",
        "Submission moved to the trash.",
    )


def delete_form(web: Web) -> Response:
    form = load_form(web, Permission.PROJECT_MANAGE)
    with transaction(web.state.engine) as connection:
        trash_form(connection, form.id, web.state.clock())
        web.audit(connection, "form.delete", "form", form.id, {"via": "web"})
    return web.redirect(f"/projects/{form.project_id}/trash", "Form moved to the trash.")


def trash(web: Web) -> Response:
    """Forms and submissions in the trash, each with its undo; POST restores one."""
    project_id = web.path_int("project_id")
    web.require(Permission.PROJECT_MANAGE, project_id)
    if web.request.method == "POST":
        return _restore(web, project_id)
    with transaction(web.state.engine, read_only=True) as connection:
        project = get_project(connection, project_id)
        forms = trashed_forms(connection, project_id)
        submissions = [
            (f, trashed_submissions(connection, f.id, limit=200))
            for f in list_forms(connection, project_id)
        ]
        app_users = trashed_app_users(connection, project_id)
    return web.render(
        "trash.html",
        project=project,
        forms=forms,
        submissions=[(f, subs) for f, subs in submissions if subs],
        app_users=app_users,
        days=web.state.settings.trash_days,
        crumbs=trail(web, project_id, (translate("Trash"), None)),
    )


def _restore(web: Web, project_id: int) -> Response:
    now = web.state.clock()
    with transaction(web.state.engine) as connection:
        if web.field("kind") == "app_user":
            actor_id = whole_number(web.field("id")) or 0
            reissue_app_user(
                connection, web.state.token_box, project_id=project_id, actor_id=actor_id, now=now
            )
            web.audit(connection, "field_key.restore", "field_key", actor_id, {"via": "web"})
            return web.redirect(
                f"/projects/{project_id}/app-users/{actor_id}",
                "Restored with a new QR code: scan it on the tablet.",
            )
        if web.field("kind") == "form":
            form_id = whole_number(web.field("id")) or 0
            restore_form(connection, project_id, form_id, now)
            web.audit(connection, "form.restore", "form", form_id, {"via": "web"})
        else:
            form_id = whole_number(web.field("form")) or 0
            if not any(f.id == form_id for f in list_forms(connection, project_id)):
                form_id = 0  # another project's form: not found below
            instance_id = web.field("instance")
            restore_submission(connection, form_id, instance_id)
            web.audit(connection, "submission.restore", "submission", instance_id, {"via": "web"})
    return web.redirect(f"/projects/{project_id}/trash", "Restored.")


def delete_project(web: Web) -> Response:
    """The project with its forms and submissions; its devices are refused from now on."""
    project_id = web.path_int("project_id")
    web.require(Permission.PROJECT_MANAGE, project_id)
    with transaction(web.state.engine) as connection:
        get_project(connection, project_id)
        trash_project(connection, project_id, web.state.clock())
        web.audit(connection, "project.delete", "project", project_id, {"via": "web"})
    return web.redirect("/projects", "Project moved to the trash.")


def projects_trash(web: Web) -> Response:
    """Projects in the trash, for administrators (a project's managers lose its pages with
    it); POST restores one with what it took."""
    if not web.actor.is_admin:
        raise Problem(ProblemCode.FORBIDDEN)
    if web.request.method == "POST":
        project_id = whole_number(web.field("id")) or 0
        with transaction(web.state.engine) as connection:
            restore_project(connection, project_id, web.state.clock())
            web.audit(connection, "project.restore", "project", project_id, {"via": "web"})
        return web.redirect(f"/projects/{project_id}", "Restored.")
    with transaction(web.state.engine, read_only=True) as connection:
        found = trashed_projects(connection)
    return web.render(
        "projects_trash.html",
        projects=found,
        days=web.state.settings.trash_days,
        crumbs=[(translate("Projects"), "/projects"), (translate("Trash"), None)],
    )


def erase(web: Web) -> Response:
    """What erasing the person removes, and a reason to give; POST erases."""
    project_id = web.path_int("project_id")
    actor = web.require(Permission.PERSON_ERASE, project_id)
    name, uuid = web.request.path_params["name"], web.request.path_params["uuid"]
    with transaction(web.state.engine, read_only=True) as connection:
        entity_list = get_list(connection, project_id, name)
        counts = footprint(connection, entity_list.id, uuid)
    reason = web.field("reason")
    if web.request.method == "POST" and reason and len(reason) <= MAX_REASON:
        erase_person(
            web.state.engine,
            web.state.blobs,
            entity_list.id,
            uuid,
            actor_id=actor.id,
            reason=reason,
            now=web.state.clock(),
        )
        return web.redirect(list_url(project_id, name), "The person's data has been erased.")
    return web.render(
        "erase.html",
        status=400 if web.request.method == "POST" else 200,
        project_id=project_id,
        list_name=name,
        uuid=uuid,
        counts=counts,
        missing_reason=web.request.method == "POST",
        max_reason=MAX_REASON,
        crumbs=trail(
            web,
            project_id,
            (name, list_url(project_id, name)),
            (translate("Erase a person"), None),
        ),
    )


# Before the submission and case pages, whose `{...:path}` parameters would take these.
ROUTES = [
    Route(
        FORM + "/submissions/{instance_id:path}/delete", page(delete_submission), methods=["POST"]
    ),
    Route(FORM + "/delete", page(delete_form), methods=["POST"]),
    Route(PROJECT + "/trash", page(trash), methods=["GET", "POST"]),
    Route(PROJECT + "/delete", page(delete_project), methods=["POST"]),
    Route("/trash/projects", page(projects_trash, admin_posts=True), methods=["GET", "POST"]),
    Route(PROJECT + "/entities/{name}/{uuid:path}/erase", page(erase), methods=["GET", "POST"]),
]
