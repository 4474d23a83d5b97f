"""What every handler works with, typed: the database, the blob store, the clock, the settings,
the server key, the password hasher, the submission intake and the programmes. create_app's
lifespan builds one `Services` when the app starts; a handler reads it with `services(request)`
instead of Starlette's untyped `app.state`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import HTTPConnection

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from server.accounts.keys import TokenBox
    from server.accounts.passwords import Passwords
    from server.clock import Clock
    from server.plugins import Programmes
    from server.settings import Settings
    from server.submissions.intake import IntakeContext
    from server.web.basemap import Basemap
    from storage.blobs.store import BlobStore


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    clock: Clock
    engine: Engine
    blobs: BlobStore
    token_box: TokenBox  # seals app-user and draft tokens with the server key
    passwords: Passwords
    intake: IntakeContext
    programmes: Programmes
    basemap: Basemap  # the maps' boundaries, read and checked when the app was built


def services(connection: HTTPConnection) -> Services:
    """The app's services, for a request (or any connection) the running app is answering."""
    return app_services(connection.app)


def app_services(app: Starlette) -> Services:
    """The services of a running app (inside its lifespan: a TestClient used as a context
    manager, uvicorn), for code that holds the app rather than a request."""
    found = getattr(app.state, "services", None)
    if not isinstance(found, Services):
        raise RuntimeError("the app's services exist only while it runs (inside its lifespan)")
    return found
