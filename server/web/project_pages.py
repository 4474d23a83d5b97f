"""Projects, their members and roles, and the users of the server (admins only)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from server.accounts.actions import welcome
from server.accounts.passwords import password_problem
from server.auth import Permission
from server.errors import Problem, ProblemCode
from server.web.http import ROLE_NAMES, Web, page
from server.web.render import translate
from storage.accounts.access import load_actor
from storage.accounts.users import (
    ROLES,
    create_user,
    find_user_by_email,
    list_users,
    project_roles,
    remove_project_role,
    set_project_role,
)
from storage.db import transaction
from storage.errors import NotFound, StorageCode
from storage.forms.drafts import find_draft
from storage.forms.versions import get_version, list_forms
from storage.projects import create_project, get_project, list_projects
from storage.submissions.queries import form_activity


def _admin(web: Web) -> None:
    if not web.actor.is_admin:
        raise Problem(ProblemCode.FORBIDDEN)


def projects(web: Web) -> Response:
    if web.request.method == "POST":
        _admin(web)
        name = web.field("name")
        if not name:
            raise Problem(ProblemCode.MISSING_PARAMETER, field=translate("Project name"))
        with transaction(web.state.engine) as connection:
            project = create_project(
                connection, name, web.state.clock(), web.field("description") or None
            )
            web.audit(connection, "project.create", "project", project.id, {"name": name})
        return web.redirect(f"/projects/{project.id}", "Project created.")
    actor = web.actor
    with transaction(web.state.engine, read_only=True) as connection:
        found = list_projects(connection, None if actor.is_admin else set(actor.roles))
    return web.render("projects.html", projects=found, crumbs=[(translate("Projects"), None)])


def project(web: Web) -> Response:
    project_id = web.path_int("project_id")
    web.require(Permission.PROJECT_READ, project_id)
    with transaction(web.state.engine, read_only=True) as connection:
        found = get_project(connection, project_id)
        forms = []
        for form in list_forms(connection, project_id):
            if not web.caller.can(Permission.FORM_READ, project_id, form.id):
                continue
            version = (
                get_version(connection, form.current_version_id)
                if form.current_version_id
                else None
            )
            forms.append(
                {
                    "form": form,
                    "version": version,
                    "draft": find_draft(connection, form.id),
                    "activity": form_activity(connection, form.id),
                }
            )
    return web.render(
        "project.html",
        project=found,
        forms=forms,
        can_publish=web.caller.can(Permission.FORM_PUBLISH, project_id),
        can_manage=web.caller.can(Permission.PROJECT_MANAGE, project_id),
        can_read_data=web.caller.can(Permission.SUBMISSION_READ, project_id),
        crumbs=[(translate("Projects"), "/projects"), (found.name, None)],
    )


def members(web: Web) -> Response:
    project_id = web.path_int("project_id")
    web.require(Permission.PROJECT_MANAGE, project_id)
    if web.request.method == "POST":
        role = web.field("role")
        if role not in ROLES:
            return _members_page(web, project_id, 400, role=translate("Choose a role."))
        if web.field("action") != "remove":
            with transaction(web.state.engine, read_only=True) as connection:
                user = find_user_by_email(connection, web.field("email"))
            if user is None:
                return _members_page(web, project_id, 404, email=_no_account(web))
        with transaction(web.state.engine) as connection:
            if web.field("action") == "remove":
                target_id = int(web.field("actor_id") or 0)
                if not remove_project_role(connection, project_id, target_id, role):
                    raise NotFound(StorageCode.NOT_FOUND, what="that role assignment")
                action, message = "assignment.delete", "Role removed."
            else:
                user = find_user_by_email(connection, web.field("email"))
                if user is None:  # removed in between
                    raise NotFound(StorageCode.USER_NOT_FOUND, user=web.field("email"))
                target_id = user.id
                set_project_role(connection, project_id, target_id, role, web.state.clock())
                action, message = "assignment.create", "Role given."
            web.audit(
                connection, action, "project", project_id, {"actorId": target_id, "role": role}
            )
        return web.redirect(f"/projects/{project_id}/members", message)
    return _members_page(web, project_id)


def _no_account(web: Web) -> str:
    """What to do when a role is given to an address no account has: an administrator
    creates the account first (on the Users page)."""
    email = web.field("email")
    if not email:
        return translate("Type the e-mail address of the person to give a role to.")
    if web.actor.is_admin:
        return translate(
            "No account has the e-mail address %(email)s. Create the account first on the "
            "Users page, then give the role here.",
            email=email,
        )
    return translate(
        "No account has the e-mail address %(email)s. Ask an administrator to create the "
        "account (on the Users page), then give the role here.",
        email=email,
    )


def _members_page(
    web: Web, project_id: int, status: int = 200, *, email: str = "", role: str = ""
) -> Response:
    """The members page; after a refused post, with the reason next to the field at fault and
    what was typed kept."""
    with transaction(web.state.engine, read_only=True) as connection:
        found = get_project(connection, project_id)
        people = [
            (user, project_roles(connection, user.id).get(project_id))
            for user in list_users(connection)
        ]
    return web.render(
        "members.html",
        status=status,
        email_error=email,
        role_error=role,
        typed_email=web.field("email") if status != 200 else "",
        typed_role=web.field("role") if status != 200 else "",
        project=found,
        members=[(u, r) for u, r in people if r],
        others=[u for u, r in people if not r],
        roles=ROLE_NAMES,
        crumbs=[
            (translate("Projects"), "/projects"),
            (found.name, f"/projects/{project_id}"),
            (translate("Members"), None),
        ],
    )


def users(web: Web) -> Response:
    _admin(web)
    if web.request.method == "POST":
        email, password = web.field("email"), web.field("password")
        problem = password_problem(password, email)  # the rules of server/accounts/passwords.py
        if problem:
            raise Problem(ProblemCode.BAD_REQUEST, reason=translate(problem))
        with transaction(web.state.engine) as connection:
            user = create_user(
                connection,
                email=email,
                password_hash=web.state.passwords.hash(password),
                now=web.state.clock(),
                display_name=web.field("display_name") or None,
                is_admin=web.field("is_admin") == "yes",
            )
            web.audit(connection, "user.create", "user", user.id, {"email": user.email})
        welcome(web.state, user, by=web.actor.id, password_given=True)  # the e-mail, if any
        return web.redirect("/users", "User created.")
    with transaction(web.state.engine, read_only=True) as connection:
        found = [load_actor(connection, u.id) for u in list_users(connection)]
        names = {p.id: p.name for p in list_projects(connection)}
    return web.render(
        "users.html",
        users=[u for u in found if u is not None],
        project_names=names,
        roles=ROLE_NAMES,
        crumbs=[(translate("Users"), None)],
    )


ROUTES = [
    Route("/projects", page(projects, admin_posts=True), methods=["GET", "POST"]),
    Route("/projects/{project_id:id}", page(project), methods=["GET"]),
    Route("/projects/{project_id:id}/members", page(members), methods=["GET", "POST"]),
    Route("/users", page(users, admin_posts=True), methods=["GET", "POST"]),
]
