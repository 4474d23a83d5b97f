"""Authentication (app-user key in the path, bearer session, Basic over HTTPS) and the
permissions of each role.

ODK Central's rules are kept so its clients behave: a malformed key is 401, a well-formed key
that is unknown or revoked is 403 (so Collect does not prompt for a password), Basic is refused
over plain HTTP, and app users see only the forms assigned to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from server.accounts.keys import TOKEN_PATTERN, token_hash
from server.accounts.sign_in import BASIC_RESULT, TOUCH_SESSION, idle_time
from server.body_limit import allow_body
from server.errors import Problem, ProblemCode
from server.services import services
from storage.accounts.access import (
    ActorRecord,
    SessionRecord,
    find_app_user_by_token,
    load_actor,
)
from storage.accounts.public_links import (
    PUBLIC_LINK,
    PublicLinkRecord,
    entity_lists_read,
    find_public_link_by_token,
    link_actor,
)
from storage.accounts.sessions import use_session
from storage.db import lookups
from storage.forms.versions import FormRecord, get_form, get_form_by_id

KEY_PREFIX = "/v1/key/"
# The web interface's session cookie. The API accepts it on GET and HEAD only, so a page can
# link to exports, attachments and QR codes; anything that changes data needs a bearer token
# or goes through the web interface's own forms, which check a CSRF token.
SESSION_COOKIE = "baobab_session"


class Permission(StrEnum):
    PROJECT_READ = "project.read"
    PROJECT_MANAGE = "project.manage"  # app users, assignments, roles, project settings
    FORM_READ = "form.read"  # list and download forms and their media
    FORM_PUBLISH = "form.publish"
    SUBMISSION_CREATE = "submission.create"
    SUBMISSION_READ = "submission.read"
    SUBMISSION_UPDATE = "submission.update"  # REST edits and file uploads (Central's right)
    SUBMISSION_REVIEW = "submission.review"
    SENSITIVE_READ = "sensitive.read"
    PERSON_ERASE = "person.erase"  # a data-protection request: erase a returnee's every trace


_READ = {Permission.PROJECT_READ, Permission.FORM_READ, Permission.SUBMISSION_READ}
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "manager": frozenset(Permission),
    "protection_officer": frozenset(
        _READ | {Permission.SUBMISSION_REVIEW, Permission.SENSITIVE_READ, Permission.PERSON_ERASE}
    ),
    "analyst": frozenset(_READ),
    "viewer": frozenset(_READ),
    "data_collector": frozenset(
        {Permission.PROJECT_READ, Permission.FORM_READ, Permission.SUBMISSION_CREATE}
    ),
}
APP_USER_PERMISSIONS = frozenset({Permission.FORM_READ, Permission.SUBMISSION_CREATE})
# Actors that hold a token for some forms only: app users (their assigned forms) and public
# links (their one form), with APP_USER_PERMISSIONS on those forms.
TOKEN_ACTORS = frozenset({"field_key", PUBLIC_LINK})


@dataclass(frozen=True, slots=True)
class Caller:
    actor: ActorRecord | None
    via: str  # "key", "bearer", "basic", "cookie" or "anonymous"
    assigned_forms: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_app_user(self) -> bool:
        return self.actor is not None and self.actor.type == "field_key"

    def can(
        self, permission: Permission, project_id: int | None = None, form_id: int | None = None
    ) -> bool:
        actor = self.actor
        if actor is None:
            return False
        if actor.is_admin:
            return True
        if actor.type in TOKEN_ACTORS:
            return (
                permission in APP_USER_PERMISSIONS
                and project_id == actor.project_id
                and (form_id is None or form_id in self.assigned_forms)
            )
        role = actor.roles.get(project_id) if project_id is not None else None
        return role is not None and permission in ROLE_PERMISSIONS.get(role, frozenset())

    @property
    def required_actor(self) -> ActorRecord:
        """The actor of a caller a resolver has let through (401 for an anonymous one)."""
        if self.actor is None:
            raise Problem(ProblemCode.AUTH_REQUIRED)
        return self.actor

    def require(
        self, permission: Permission, project_id: int | None = None, form_id: int | None = None
    ) -> ActorRecord:
        if self.actor is None:
            raise Problem(ProblemCode.AUTH_REQUIRED)
        if not self.can(permission, project_id, form_id):
            raise Problem(ProblemCode.FORBIDDEN)
        return self.actor


class KeyPrefixMiddleware:
    """Strips `/v1/key/{token}` from app-user URLs before routing, and remembers the token and
    the prefix so that links the server generates (downloadUrl, manifestUrl) keep it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(KEY_PREFIX):
            token, _, rest = path[len(KEY_PREFIX) :].partition("/")
            scope = dict(scope, path="/v1/" + rest, raw_path=("/v1/" + rest).encode())
            scope["baobab.key"] = token
            scope["baobab.prefix"] = KEY_PREFIX + token
        await self.app(scope, receive, send)


async def authorize(request: Request, permission: Permission) -> Caller:
    """Check the caller's credentials and `permission` (in the path's project and form, when it
    names them) before a body is read, then let it be read: a forged key, a stale token or a
    caller without the right is refused without the server reading, spooling or parsing what
    they sent. The handler checks again in its own transaction."""
    caller = await run_in_threadpool(_authorized, request, permission)
    allow_body(request)
    return caller


def _authorized(request: Request, permission: Permission) -> Caller:
    project = request.path_params.get("project_id")
    project_id = int(project) if project is not None else None
    # Independent reads (who, may they, which form): on PostgreSQL each commits by itself, one
    # round trip each instead of BEGIN, the reads and COMMIT, before every request's body.
    with lookups(services(request).engine) as connection:
        caller = authenticate(connection, request)
        if project_id is not None and "form_id" in request.path_params:
            require_form(connection, caller, permission, project_id, request.path_params["form_id"])
        else:
            caller.require(permission, project_id)
    if caller.is_app_user and not caller.assigned_forms and request.method not in ("GET", "HEAD"):
        # An app user with no form can send nothing (Collect's pre-flight still answers 204).
        raise Problem(ProblemCode.FORBIDDEN)
    return caller


def require_form(
    connection: Connection,
    caller: Caller,
    permission: Permission,
    project_id: int,
    xml_form_id: str,
) -> FormRecord:
    """The form, for a caller with `permission` in its project (403 before 404, so a stranger
    learns nothing of the project's forms) and in the form itself (an app user or a public
    link holds only its own forms). REST, OpenRosa and the web pages all load a form so."""
    caller.require(permission, project_id)
    form = get_form(connection, project_id, xml_form_id)
    caller.require(permission, project_id, form.id)
    return form


def api_root(request: Request) -> str:
    """`/v1/key/{token}` on app-user URLs, else `/v1`: links must keep the token."""
    return str(request.scope.get("baobab.prefix", "/v1"))


def authenticate(connection: Connection, request: Request) -> Caller:
    key = request.scope.get("baobab.key") or request.query_params.get("st")
    if key is not None:
        return _by_key(connection, str(key))
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        found = session_actor(connection, request, credentials.strip())
        if found is None:
            raise Problem(ProblemCode.AUTH_FAILED)
        return Caller(found[0], "bearer")
    if scheme.lower() == "basic" and credentials:
        if request.url.scheme != "https":
            raise Problem(ProblemCode.HTTPS_ONLY)
        return Caller(_by_password(connection, request), "basic")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and request.method in ("GET", "HEAD"):
        signed_in = session_actor(connection, request, cookie)
        if signed_in is not None:
            return Caller(signed_in[0], "cookie")
    return Caller(None, "anonymous")


def session_actor(
    connection: Connection, request: Request, token: str
) -> tuple[ActorRecord, SessionRecord] | None:
    """The actor of a live session token (bearer or the web interface's cookie) and the
    session, whose CSRF token the web interface checks. A session is live until its lifetime
    or the idle time is over, while its user is neither deactivated nor deleted."""
    state = services(request)
    hashed = token_hash(token)
    found = use_session(connection, hashed, state.clock(), idle_time(state))
    if found is None:
        return None
    session, pending = found
    if (
        pending
    ):  # written after the response, on a connection of its own (server/accounts/sign_in.py)
        request.scope[TOUCH_SESSION] = hashed
    actor = load_actor(connection, session.actor_id)
    return (actor, session) if actor is not None else None


def _by_key(connection: Connection, token: str) -> Caller:
    if not TOKEN_PATTERN.match(token):
        raise Problem(ProblemCode.AUTH_FAILED)
    hashed = token_hash(token)
    found = find_app_user_by_token(connection, hashed)
    if found is not None:
        actor, assigned = found
        return Caller(actor, "key", assigned)
    link = find_public_link_by_token(connection, hashed)
    if link is None or not _link_usable(connection, link):
        raise Problem(ProblemCode.FORBIDDEN)
    return Caller(link_actor(link), "key", frozenset({link.form_id}))


def _link_usable(connection: Connection, link: PublicLinkRecord) -> bool:
    """A public link opens its form only once published (never a draft), and never a form
    reading an entity list: whoever holds the link would download the whole list (the
    returnees' names). Checked on each request, as a new version may add one."""
    form = get_form_by_id(connection, link.form_id)
    if form.current_version_id is None:
        return False
    return not entity_lists_read(connection, form.current_version_id, form.project_id)


def _by_password(connection: Connection, request: Request) -> ActorRecord:
    """The user BasicSignIn verified before the handler started (it counts failures and
    rate-limits them, holding no connection while it hashes)."""
    verdict = request.scope.get(BASIC_RESULT)
    if isinstance(verdict, Exception):
        raise verdict
    actor = load_actor(connection, verdict.id) if verdict is not None else None
    if actor is None:  # malformed credentials, or the user is gone
        raise Problem(ProblemCode.AUTH_FAILED)
    return actor
