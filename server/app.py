"""The Starlette application: create_app(settings) wires storage, routes and error handlers."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from server.accounts.keys import TokenBox, load_server_key
from server.accounts.passwords import Passwords
from server.accounts.sign_in import BasicSignIn
from server.auth import KeyPrefixMiddleware
from server.clock import Clock, system_clock
from server.errors import EXCEPTION_HANDLERS
from server.exports import odata
from server.exports import routes as exports
from server.forms import draft_testing
from server.log_redaction import redact_logs
from server.openrosa import routes as openrosa_routes
from server.plugins import Programmes, load_programmes
from server.rest import (
    actor_properties,
    app_users,
    dataset_settings,
    drafts,
    entities,
    entity_history,
    entity_odata,
    entity_trash,
    forms,
    projects,
    public_links,
    sessions,
    submissions,
    trash,
    users,
)
from server.security_headers import SecurityHeaders
from server.services import Services, services
from server.settings import Settings
from server.submissions import routes as submission_routes
from server.submissions.intake import IntakeContext
from server.submissions.targets import FormTargets
from server.web import routes as web_routes
from server.web.basemap import load_basemap
from server.web.http import CompressPages
from storage.blobs.store import make_blob_store
from storage.db import make_engine, transaction

log = logging.getLogger(__name__)


def create_app(
    settings: Settings, *, clock: Clock = system_clock, passwords: Passwords | None = None
) -> Starlette:
    programmes = load_programmes(settings.programmes)
    hasher = passwords or Passwords()
    basemap = load_basemap(settings.map_boundaries, settings.map_attribution)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        redact_logs()
        engine = make_engine(settings.database_url)
        blobs = make_blob_store(settings.blob_url)
        intake = IntakeContext(
            engine,
            blobs,
            FormTargets(),
            clock,
            programmes.intake_hooks(settings),
            settings.max_repeat_instances,
            settings.entity_backlog_days,
        )
        app.state.services = Services(
            settings=settings,
            clock=clock,
            engine=engine,
            blobs=blobs,
            token_box=TokenBox(load_server_key(settings.data_dir, settings.secret_key)),
            passwords=hasher,
            intake=intake,
            programmes=programmes,
            basemap=basemap,
        )
        try:
            yield
        finally:
            blobs.close()
            engine.dispose()

    app = Baobab(
        debug=False,
        routes=routes(programmes),
        middleware=[
            Middleware(CompressPages),
            Middleware(KeyPrefixMiddleware),
            Middleware(BasicSignIn),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    return app


class Baobab(Starlette):
    """Starlette, with the security headers outermost: Starlette's own error middleware sits
    outside user middleware, and its 500s must carry the headers too."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


def routes(programmes: Programmes) -> list[BaseRoute]:
    # OData (`{form_id}.svc`) and OpenRosa (`{form_id}.xml`) come first: they must win over
    # the REST `{form_id}`.
    return [
        Route("/health", health),
        *odata.ROUTES,
        *exports.ROUTES,
        *openrosa_routes.ROUTES,
        *draft_testing.ROUTES,
        *submission_routes.ROUTES,
        *sessions.ROUTES,
        *users.ROUTES,
        *projects.ROUTES,
        *drafts.ROUTES,
        *forms.ROUTES,
        *app_users.ROUTES,
        *submissions.ROUTES,
        *trash.ROUTES,
        *entity_odata.ROUTES,
        *entity_history.ROUTES,  # before entities: `.../entities/creators` is no {uuid}
        *entity_trash.ROUTES,
        *dataset_settings.ROUTES,
        *actor_properties.ROUTES,
        *entities.ROUTES,
        *programmes.rest_routes,
        *public_links.ROUTES,
        *web_routes(programmes.web_routes),
    ]


def health(request: Request) -> JSONResponse:
    """Liveness and readiness: the database answers and the blob store is reachable."""
    running = services(request)
    with transaction(running.engine, read_only=True) as connection:
        connection.exec_driver_sql("SELECT 1")
    running.blobs.check()
    return JSONResponse({"status": "ok"})


def app_from_env() -> Starlette:
    """Factory for uvicorn's worker processes (`baobab serve` passes settings via BAOBAB_*)."""
    return create_app(Settings.from_env(os.environ))
