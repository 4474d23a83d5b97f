"""One's own account: the password (changed with the current one; every other session ends),
the sessions signed in (when, from where; any can be ended), and, for someone who cannot sign
in, asking for a password reset and choosing a new password with the link received."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from server.accounts import actions as accounts
from server.accounts.keys import token_hash
from server.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from server.accounts.sign_in import client_address, idle_time
from server.auth import SESSION_COOKIE
from server.errors import Problem, retry_after
from server.errors import render as render_problem
from server.web.http import Web, page
from server.web.render import N_, translate
from storage.accounts.sessions import end_session, list_sessions
from storage.accounts.users import get_user
from storage.db import transaction

# server/accounts/passwords.py's reasons, for the catalogue (the pages show them translated).
PASSWORD_REASONS = (
    N_("the password must have at least 10 characters"),
    N_("the password must have at most 1024 characters"),
    N_("this password is one of the most common passwords; choose another"),
    N_("the password must not be the e-mail address"),
)


def problem_text(problem: Problem) -> str:
    """What went wrong, in the page's language."""
    if problem.status == 401:
        return translate("The current password is wrong.")
    if problem.status == 429:
        return translate("Too many attempts. Try again later.")
    reason = problem.context.get("reason")
    return translate(reason) if isinstance(reason, str) else problem.message


def account(web: Web, error: str | None = None, status: int = 200) -> Response:
    actor = web.actor
    current = token_hash(web.request.cookies.get(SESSION_COOKIE, ""))
    with transaction(web.state.engine, read_only=True) as connection:
        user = get_user(connection, actor.id)
        sessions = list_sessions(connection, actor.id, web.state.clock(), idle_time(web.state))
    return web.render(
        "account.html",
        status=status,
        user=user,
        sessions=sessions,
        current=current,
        error=error,
        min_length=MIN_LENGTH,
        max_length=MAX_LENGTH,
        crumbs=[(translate("My account"), None)],
    )


def change_password(web: Web) -> Response:
    keep = token_hash(web.request.cookies.get(SESSION_COOKIE, ""))
    try:
        accounts.change_password(
            web.state,
            web.actor.id,
            web.field("current"),
            web.field("new"),
            client_address(web.request.scope),
            keep=keep,
        )
    except Problem as problem:
        return account(web, problem_text(problem), problem.status)
    return web.redirect("/account", N_("Your password is changed; your other sessions ended."))


def end_one(web: Web) -> Response:
    with transaction(web.state.engine) as connection:
        if end_session(connection, web.field("session"), web.actor.id):
            web.audit(connection, "user.session.end", "user", web.actor.id)
    return web.redirect("/account", N_("The session is ended."))


def forgot(web: Web) -> Response:
    """Ask for a reset link by e-mail: the same answer whether or not the address is known."""
    if web.request.method != "POST":
        return web.render("forgot.html", sent=False, wait=False)
    try:
        accounts.initiate_reset(
            web.state,
            web.field("email"),
            client_address(web.request.scope),
            by=web.caller.actor.id if web.caller.actor else None,
            by_admin=False,
            invalidate=False,
        )
    except Problem as problem:
        answer = web.render("forgot.html", status=problem.status, sent=False, wait=True)
        answer.headers.update(retry_after(render_problem(problem)) or {})
        return answer
    return web.render("forgot.html", sent=True, wait=False)


def reset(web: Web) -> Response:
    """Choose a new password with a reset link (the token in the link's query, then in the
    form): used once; then the page leads to the sign-in page."""
    token = web.field("token") or web.query("token")
    client = client_address(web.request.scope)

    def show(
        status: int = 200, error: str | None = None, expired: bool = False, done: bool = False
    ) -> Response:
        return web.render(
            "reset.html",
            status=status,
            token=token,
            error=error,
            expired=expired,
            done=done,
            min_length=MIN_LENGTH,
            max_length=MAX_LENGTH,
        )

    try:
        posted = web.request.method == "POST"
        accounts.check_reset(web.state, token, client, count=posted)
        if not posted:
            return show()
        accounts.verify_reset(web.state, token, web.field("new"), client)
    except Problem as problem:
        if problem.status == 401:
            return show(400, expired=True)
        return show(problem.status, problem_text(problem))
    return show(done=True)


ROUTES = [
    Route("/account", page(account), methods=["GET"]),
    Route("/account/password", page(change_password), methods=["POST"]),
    Route("/account/sessions/end", page(end_one), methods=["POST"]),
    Route("/account/forgot", page(forgot, public=True), methods=["GET", "POST"]),
    Route("/account/reset", page(reset, public=True), methods=["GET", "POST"]),
]
