"""The Starlette application: create_app(settings) wires storage, routes and error handlers."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.clock import Clock, system_clock
from server.errors import EXCEPTION_HANDLERS
from server.settings import Settings
from storage.blobs import make_blob_store
from storage.db import make_engine, transaction

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, clock: Clock = system_clock) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.engine = make_engine(settings.database_url)
        app.state.blobs = make_blob_store(settings.blob_url)
        try:
            yield
        finally:
            app.state.blobs.close()
            app.state.engine.dispose()

    app = Starlette(
        debug=False,
        routes=[Route("/health", health)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock
    return app


def health(request: Request) -> JSONResponse:
    """Liveness and readiness: the database answers and the blob store is reachable."""
    with transaction(request.app.state.engine, read_only=True) as connection:
        connection.exec_driver_sql("SELECT 1")
    request.app.state.blobs.check()
    return JSONResponse({"status": "ok"})


def app_from_env() -> Starlette:
    """Factory for uvicorn's worker processes (`baobab serve` passes settings via BAOBAB_*)."""
    return create_app(Settings.from_env(os.environ))
