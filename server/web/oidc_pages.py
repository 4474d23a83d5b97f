"""Signing in with the organisation's account (OpenID Connect, server/accounts/oidc.py): the button
on
the sign-in page leads to /login/oidc, which sends the browser to the provider; the provider
sends it back to /login/oidc/callback, which opens a session or says why not."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.accounts import oidc
from server.accounts.sign_in import client_address
from server.auth import SESSION_COOKIE
from server.errors import Problem, ProblemCode, retry_after
from server.errors import render as render_problem
from server.web.http import Web, page
from server.web.render import N_, translate

_INCOMPLETE = N_("The sign-in with your organisation's account did not complete. Try again.")
_UNVERIFIED = N_("The identity provider's answer could not be verified. Try again.")
MESSAGES = {
    "state": _INCOMPLETE,
    "provider": _INCOMPLETE,
    "code": _INCOMPLETE,
    "token": _INCOMPLETE,
    "signature": _UNVERIFIED,
    "nonce": _UNVERIFIED,
    "expired": _UNVERIFIED,
    "claims": _UNVERIFIED,
    "email_unverified": N_("Your organisation's account has no verified e-mail address."),
    "unknown_email": N_(
        "No Baobab account has the e-mail address of your organisation's account. "
        "Ask an administrator."
    ),
    "deactivated": N_("This account is deactivated. Ask an administrator."),
}


def safe_next(target: str) -> str:
    """Only a path on this server: never an open redirect to another site."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/projects"


def _refused(web: Web, message: str, status: int) -> Response:
    web.cookies[oidc.STATE_COOKIE] = None
    return web.render(
        "login.html",
        status=status,
        next="",
        email="",
        failed=False,
        wait_minutes=None,
        sso_error=translate(message),
    )


def begin(web: Web) -> Response:
    if not oidc.enabled(web.state.settings):
        raise Problem(ProblemCode.NOT_FOUND)
    try:
        url, state = oidc.start(web.state, safe_next(web.query("next")))
    except oidc.Refused as refused:
        return _refused(web, MESSAGES[refused.reason], 502)
    web.cookies[oidc.STATE_COOKIE] = state
    return RedirectResponse(url, status_code=303)


def callback(web: Web) -> Response:
    if not oidc.enabled(web.state.settings):
        raise Problem(ProblemCode.NOT_FOUND)
    params = {k: web.query(k) for k in ("state", "code", "error") if web.query(k)}
    try:
        token, target = oidc.finish(
            web.state,
            params,
            web.request.cookies.get(oidc.STATE_COOKIE),
            client_address(web.request.scope),
            web.request.headers.get("user-agent"),
        )
    except oidc.Refused as refused:
        return _refused(web, MESSAGES[refused.reason], 401)
    except Problem as problem:  # too many callbacks from this address
        answer = _refused(web, N_("Too many attempts. Try again later."), problem.status)
        answer.headers.update(retry_after(render_problem(problem)) or {})
        return answer
    web.cookies[oidc.STATE_COOKIE] = None
    web.cookies[SESSION_COOKIE] = token
    return web.redirect(target)


ROUTES = [
    Route("/login/oidc", page(begin, public=True), methods=["GET"]),
    Route(oidc.CALLBACK, page(callback, public=True), methods=["GET"]),
]
