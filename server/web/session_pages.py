"""Signing in and out, and choosing the language of the pages."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.accounts.keys import token_hash
from server.accounts.sign_in import client_address, sign_in
from server.auth import SESSION_COOKIE
from server.errors import Problem, retry_after
from server.errors import render as render_problem
from server.web import account_pages, oidc_pages
from server.web.http import LANGUAGE_COOKIE, Web, page
from server.web.render import LANGUAGES
from storage.accounts.access import delete_session
from storage.accounts.users import set_language
from storage.db import transaction


def _safe_next(target: str) -> str:
    """Only a path on this server: never an open redirect to another site."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/projects"


def home(web: Web) -> Response:
    return RedirectResponse("/projects" if web.caller.actor else "/login", status_code=303)


def login(web: Web) -> Response:
    if web.request.method != "POST":  # GET, and HEAD like GET (never a sign-in attempt)
        if web.caller.actor is not None:
            return web.redirect(_safe_next(web.query("next")))
        return web.render(
            "login.html", next=web.query("next"), email="", failed=False, wait_minutes=None
        )
    email, target = web.field("email"), web.field("next")
    try:
        token, _session = sign_in(
            web.state,
            email,
            web.field("password"),
            client_address(web.request.scope),
            web.request.headers.get("user-agent"),
        )
    except Problem as problem:
        page = web.render(
            "login.html",
            status=problem.status,
            next=target,
            email=email,
            failed=True,
            wait_minutes=problem.context.get("minutes") if problem.status == 429 else None,
        )
        page.headers.update(retry_after(render_problem(problem)) or {})
        return page
    web.cookies[SESSION_COOKIE] = token
    return web.redirect(_safe_next(target))


def logout(web: Web) -> Response:
    token = web.request.cookies.get(SESSION_COOKIE, "")
    with transaction(web.state.engine) as connection:
        delete_session(connection, token_hash(token))
    web.cookies[SESSION_COOKIE] = None
    return web.redirect("/login", "You are signed out.")


def choose_language(web: Web) -> Response:
    """Per user when signed in (kept with the account), else in a cookie."""
    language = web.field("language")
    if language in LANGUAGES:
        web.cookies[LANGUAGE_COOKIE] = language
        if web.caller.actor is not None:
            with transaction(web.state.engine) as connection:
                set_language(connection, web.caller.actor.id, language)
    return web.redirect(_safe_next(web.field("next")))


ROUTES = [
    Route("/", page(home, public=True), methods=["GET"]),
    Route("/login", page(login, public=True), methods=["GET", "POST"]),
    Route("/logout", page(logout), methods=["POST"]),
    Route("/account/language", page(choose_language, public=True), methods=["POST"]),
    *account_pages.ROUTES,
    *oidc_pages.ROUTES,
]
