"""An administrator's page for one user: rename, change the address, issue a password reset
(the link is shown when no e-mail carries it), deactivate or reactivate, delete."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from server.accounts import actions as accounts
from server.accounts.mail import Sent
from server.errors import Problem, ProblemCode
from server.web.account_pages import problem_text
from server.web.http import Web, page
from server.web.render import N_, translate
from storage.accounts.users import UserRecord, get_user
from storage.db import transaction

USER = "/users/{user_id:id}"


def _admin(web: Web) -> int:
    if not web.actor.is_admin:
        raise Problem(ProblemCode.FORBIDDEN)
    return web.actor.id


def _show(
    web: Web,
    user: UserRecord | None = None,
    *,
    link: str | None = None,
    mail: Sent | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    if user is None:
        with transaction(web.state.engine, read_only=True) as connection:
            user = get_user(connection, web.path_int("user_id"))
    return web.render(
        "user.html",
        status=status,
        user=user,
        link=link,
        mail=mail.value if mail else None,
        error=error,
        crumbs=[(translate("Users"), "/users"), (user.display_name, None)],
    )


def user_page(web: Web) -> Response:
    _admin(web)
    return _show(web)


def edit(web: Web) -> Response:
    by = _admin(web)
    try:
        user = accounts.update(
            web.state,
            web.path_int("user_id"),
            by=by,
            display_name=web.field("display_name") or None,
            email=web.field("email") or None,
        )
    except Problem as problem:
        return _show(web, error=problem_text(problem), status=problem.status)
    return web.redirect(f"/users/{user.id}", N_("The user is saved."))


def reset(web: Web) -> Response:
    by = _admin(web)
    with transaction(web.state.engine, read_only=True) as connection:
        user = get_user(connection, web.path_int("user_id"))
    if not user.active:
        return _show(web, user, error=translate("Reactivate the account first."), status=400)
    invalidate = web.field("invalidate") == "yes"
    notice = accounts.issue_reset(web.state, user, by=by, invalidate=invalidate)
    return _show(web, user, link=notice.link, mail=notice.mail)


def _switch(web: Web, action: str) -> Response:
    by = _admin(web)
    user_id = web.path_int("user_id")
    try:
        if action == "deactivate":
            accounts.deactivate(web.state, user_id, by=by)
        elif action == "reactivate":
            accounts.reactivate(web.state, user_id, by=by)
        else:
            accounts.delete(web.state, user_id, by=by)
    except Problem as problem:
        return _show(web, error=problem_text(problem), status=problem.status)
    done = {
        "deactivate": N_("The user is deactivated: they cannot sign in, and their sessions ended."),
        "reactivate": N_("The user is reactivated."),
        "delete": N_("The user is deleted."),
    }[action]
    return web.redirect("/users" if action == "delete" else f"/users/{user_id}", done)


def deactivate(web: Web) -> Response:
    return _switch(web, "deactivate")


def reactivate(web: Web) -> Response:
    return _switch(web, "reactivate")


def delete(web: Web) -> Response:
    return _switch(web, "delete")


ROUTES = [
    Route(USER, page(user_page), methods=["GET"]),
    Route(USER, page(edit, admin_posts=True), methods=["POST"]),
    Route(USER + "/reset", page(reset, admin_posts=True), methods=["POST"]),
    Route(USER + "/deactivate", page(deactivate, admin_posts=True), methods=["POST"]),
    Route(USER + "/reactivate", page(reactivate, admin_posts=True), methods=["POST"]),
    Route(USER + "/delete", page(delete, admin_posts=True), methods=["POST"]),
]
