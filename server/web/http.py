"""How the web interface handles a request: the session cookie, CSRF on every form post, the
page's language, and errors shown as pages (with the same messages the API gives) instead of
JSON. Handlers are plain functions of a `Web` run in a worker thread."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit

from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from converters.errors import ConversionError, ErrorCode
from server.auth import ROLE_PERMISSIONS, SESSION_COOKIE, Caller, Permission, session_actor
from server.body_limit import allow_body, limit_body
from server.errors import Problem, ProblemCode, render, retry_after
from server.services import Services, services
from server.web.render import LANGUAGES, N_, pick_language, render_page, translate, use_language
from storage.accounts.access import ActorRecord
from storage.audit import record
from storage.db import transaction
from storage.errors import StorageError
from storage.projects import get_project

log = logging.getLogger(__name__)

LANGUAGE_COOKIE = "baobab_language"
ANONYMOUS_CSRF_COOKIE = "baobab_csrf"  # double-submit token for the sign-in form
FLASH_COOKIE = "baobab_flash"
MAX_FORM_FILES = 20
MAX_POST_BYTES = 110_000_000  # a form media file (100 MB) and the fields around it
MAX_PUBLIC_POST_BYTES = 64_000  # signing in, choosing a language
SignedIn = tuple[Caller, str | None]  # who, and their session's CSRF token
SECRET_PARAMETERS = frozenset({"st"})  # an app user's key: never carried into another URL
ROLE_NAMES = {  # a project role's name on the pages (members, refusals, withheld fields)
    "manager": N_("Project manager"),
    "protection_officer": N_("Protection officer"),
    "analyst": N_("Analyst"),
    "viewer": N_("Viewer"),
    "data_collector": N_("Data collector"),
}


class CompressPages:
    """gzip for the web interface's pages and static files (a field office's link is slow);
    the API, OpenRosa and OData answer as they are, exports being large and already zipped."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=1000)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not str(scope.get("path", "")).startswith("/v1/"):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


@dataclass
class Web:
    """One page request: who asks, in which language, and what they posted."""

    request: Request
    caller: Caller
    csrf: str
    language: str
    form: FormData | None = None
    cookies: dict[str, str | None] = field(default_factory=dict)  # set (or clear) on the answer
    refused: tuple[Permission, int | None] | None = None  # what `require` refused, for the page

    @property
    def state(self) -> Services:
        return services(self.request)

    @property
    def actor(self) -> ActorRecord:
        return self.caller.required_actor

    def require(
        self, permission: Permission, project_id: int | None = None, form_id: int | None = None
    ) -> ActorRecord:
        if self.caller.actor is not None and not self.caller.can(permission, project_id, form_id):
            self.refused = (permission, project_id)  # the 403 page says which role may
        return self.caller.require(permission, project_id, form_id)

    def audit(
        self,
        connection: Connection,
        action: str,
        actee_type: str,
        actee_id: object,
        details: dict[str, object] | None = None,
    ) -> None:
        """Writes who did what, on what, to the audit log, in the caller's transaction."""
        record(
            connection,
            actor_id=self.actor.id,
            action=action,
            actee_type=actee_type,
            actee_id=actee_id,
            now=self.state.clock(),
            details=details,
        )

    def path_int(self, name: str) -> int:
        return int(self.request.path_params[name])

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else default

    def fields(self, name: str) -> list[str]:
        if self.form is None:
            return []
        return [v for v in self.form.getlist(name) if isinstance(v, str)]

    def upload(self, name: str) -> UploadFile | None:
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, UploadFile) and value.filename else None

    def query(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default).strip()

    def render(self, template: str, status: int = 200, **context: object) -> HTMLResponse:
        flash = self.request.cookies.get(FLASH_COOKIE)
        if flash is not None:
            self.cookies[FLASH_COOKIE] = None
        body = render_page(
            template,
            {
                "web": self,
                "actor": self.caller.actor,
                "csrf": self.csrf,
                "flash": translate(flash) if flash else None,
                "path": self.request.url.path,
                **context,
            },
        )
        return HTMLResponse(body, status_code=status)

    def redirect(self, url: str, flash: str | None = None) -> RedirectResponse:
        """303 See Other after a post; `flash` (an English message id) shows on the next page."""
        if flash:
            self.cookies[FLASH_COOKIE] = flash
        return RedirectResponse(url, status_code=303)


Handler = Callable[[Web], Response]


def page(
    handler: Handler, *, public: bool = False, admin_posts: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """A web endpoint: signed-in only unless `public`; a POST must carry the session's CSRF
    token in its `csrf` field, and is read only from an administrator when `admin_posts`."""

    async def endpoint(request: Request) -> Response:
        form: FormData | None = None
        failure: Exception | None = None
        signed_in: SignedIn | None = None
        if request.method == "POST":
            try:
                signed_in = await run_in_threadpool(_signed_in, request)
                _may_post(request, signed_in[0], public, admin_posts)
                allow_body(request)
                limited = limit_body(request, MAX_PUBLIC_POST_BYTES if public else MAX_POST_BYTES)
                form = await limited.form(max_files=MAX_FORM_FILES, max_fields=5000)
            except (Problem, HTTPException, StorageError) as error:  # refused, too large, ...
                failure = error
        try:
            return await run_in_threadpool(
                _handle, handler, request, form, public, failure, signed_in
            )
        finally:
            if form is not None:
                await form.close()

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint


def _without_secrets(request: Request) -> str:
    """The path and query to come back to after signing in, without any secret in it (the
    sign-in page's URL reaches the access log, the browser's history and its Referer)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in SECRET_PARAMETERS]
    return request.url.path + (f"?{urlencode(kept)}" if kept else "")


def _may_post(request: Request, caller: Caller, public: bool, admin_posts: bool) -> None:
    """Whether a post's body may be read: on public pages (signing in), always; else only
    from someone signed in, with a role in the project the page belongs to (or an
    administrator, on pages that only they may post to). Otherwise nothing is read, and
    _handle sends the stranger to sign in or shows 403."""
    if public:
        return
    if caller.actor is None:
        raise Problem(ProblemCode.AUTH_REQUIRED)
    if admin_posts and not caller.actor.is_admin:
        raise Problem(ProblemCode.FORBIDDEN)
    project = request.path_params.get("project_id")
    if project is not None and not caller.can(Permission.PROJECT_READ, int(project)):
        raise Problem(ProblemCode.FORBIDDEN)


def _handle(
    handler: Handler,
    request: Request,
    form: FormData | None,
    public: bool,
    failure: Exception | None = None,
    signed_in: SignedIn | None = None,
) -> Response:
    try:
        caller, session_csrf = signed_in or _signed_in(request)
    except StorageError as error:  # the database is down: say so on a page, not in JSON
        caller, session_csrf, failure = Caller(None, "anonymous"), None, failure or error
    anonymous_csrf = request.cookies.get(ANONYMOUS_CSRF_COOKIE) or secrets.token_urlsafe(24)
    csrf = session_csrf or anonymous_csrf
    language = _language(request, caller)
    use_language(language)
    web = Web(request, caller, csrf, language, form)
    if session_csrf is None and request.cookies.get(ANONYMOUS_CSRF_COOKIE) != anonymous_csrf:
        web.cookies[ANONYMOUS_CSRF_COOKIE] = anonymous_csrf
    try:
        if failure is not None:
            raise failure
        if caller.actor is None and not public:
            target = _without_secrets(request)
            response: Response = RedirectResponse(
                f"/login?next={quote(target, safe='')}", status_code=303
            )
        elif form is not None and not hmac.compare_digest(web.field("csrf"), csrf):
            response = _error_page(
                web,
                403,
                translate("This form has expired. Go back, reload the page and try again."),
            )
        else:
            response = handler(web)
    except (Problem, StorageError, ConversionError, HTTPException) as error:
        rendering = render(error)
        if rendering.status == 401:
            response = RedirectResponse("/login", status_code=303)
        else:
            message = _in_language(error, rendering.message)
            response = _error_page(web, rendering.status, message, rendering.details)
            response.headers.update(retry_after(rendering) or {})  # as the API's answers
    except Exception:
        log.exception("%s %s failed", request.method, request.url.path)
        response = _error_page(
            web, 500, translate("Something went wrong on the server. It has been logged.")
        )
    secure = request.url.scheme == "https"
    for name, value in web.cookies.items():
        if value is None:
            response.delete_cookie(name, path="/")
        else:
            response.set_cookie(name, value, path="/", httponly=True, samesite="lax", secure=secure)
    return response  # server/security_headers.py adds the headers


def _error_page(
    web: Web, status: int, message: str, details: dict[str, object] | None = None
) -> Response:
    """Every error page offers a way back: to the page the person came from when it is one of
    ours, to the project the page belongs to when they may open it, and to their projects;
    a refusal for want of a role says which roles may, and which one they have."""
    return web.render(
        "error.html",
        status=status,
        status_code=status,
        message=message,
        details=details or {},
        **way_back(web),
    )


def way_back(web: Web) -> dict[str, object]:
    """The links and role words of an error page (see `_error_page`)."""
    request = web.request
    back = None
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith("/"):
        target = referer.path + (f"?{referer.query}" if referer.query else "")
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if target != here and not referer.path.startswith(("/login", "/logout", "/v1/")):
            back = target
    project = request.path_params.get("project_id")
    project_url = None
    if project is not None and web.caller.can(Permission.PROJECT_READ, int(project)):
        try:  # not to a project that does not exist (an administrator may read any)
            with transaction(web.state.engine, read_only=True) as connection:
                get_project(connection, int(project))
            project_url = f"/projects/{int(project)}"
        except StorageError:
            pass
    needed: list[str] = []
    role = None
    if web.refused is not None:
        permission, refused_in = web.refused
        needed = [
            translate(name)
            for code, name in ROLE_NAMES.items()
            if permission in ROLE_PERMISSIONS.get(code, frozenset())
        ]
        actor = web.caller.actor
        held = actor.roles.get(refused_in) if actor and refused_in is not None else None
        role = translate(ROLE_NAMES[held]) if held in ROLE_NAMES else None
    return {
        "back_url": back,
        "project_url": project_url,
        "signed_in": web.caller.actor is not None,
        "roles_needed": needed,
        "own_role": role,
    }


def _in_language(error: Exception, message: str) -> str:
    """The error's message in the page's language: its code's template translated, then
    filled with its context (what it names, such as a form id or an XPath, stays as is)."""
    code, context = getattr(error, "code", None), getattr(error, "context", None)
    if not (isinstance(code, ErrorCode) and isinstance(context, dict)):
        return message
    try:
        return translate(code.template).format(**context)
    except (KeyError, IndexError, ValueError):
        return message


def signed_in(request: Request) -> SignedIn:
    """Who the session cookie belongs to, and the session's CSRF token (None when signed out).
    For endpoints that are not pages (server/web/webform_intake.py); pages get a `Web`."""
    return _signed_in(request)


def page_language(request: Request, caller: Caller) -> str:
    """The language a page is in for this caller: theirs, the one chosen, or the browser's."""
    return _language(request, caller)


def error_message(error: Exception, message: str) -> str:
    """An error's message in the current language (see `_in_language`)."""
    return _in_language(error, message)


def _signed_in(request: Request) -> SignedIn:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return Caller(None, "anonymous"), None
    with transaction(services(request).engine, read_only=True) as connection:
        found = session_actor(connection, request, token)
    if found is None:
        return Caller(None, "anonymous"), None
    return Caller(found[0], "cookie"), found[1].csrf


def _language(request: Request, caller: Caller) -> str:
    if caller.actor is not None and caller.actor.language in LANGUAGES:
        return caller.actor.language
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return pick_language(request.headers.get("accept-language", ""))
