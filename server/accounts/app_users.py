"""App users: issuing a device token, and the Collect settings (QR code) that carry it.
Shared by the REST API and the CLI."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from server.accounts.keys import TokenBox, collect_settings, new_token, qr_payload, token_hash
from server.errors import Problem, ProblemCode
from storage.accounts.access import AppUserRecord, create_app_user, get_app_user
from storage.lifecycle.app_user_trash import restore_app_user
from storage.projects import get_project


def issue_app_user(
    connection: Connection,
    box: TokenBox,
    *,
    project_id: int,
    display_name: str,
    created_by: int | None,
    now: datetime,
) -> tuple[AppUserRecord, str]:
    """Create an app user; its token is returned here, stored hashed and sealed."""
    get_project(connection, project_id)
    token = new_token()
    app_user = create_app_user(
        connection,
        project_id=project_id,
        display_name=display_name,
        token_hash=token_hash(token),
        token_cipher=box.seal(token),
        created_by=created_by,
        now=now,
    )
    return app_user, token


def reissue_app_user(
    connection: Connection, box: TokenBox, *, project_id: int, actor_id: int, now: datetime
) -> tuple[AppUserRecord, str]:
    """Restore a deleted app user from the trash with a new token: the lost tablet's old token
    stays dead, the new one goes into a new QR code."""
    token = new_token()
    restore_app_user(
        connection,
        project_id,
        actor_id,
        token_hash=token_hash(token),
        token_cipher=box.seal(token),
        now=now,
    )
    return get_app_user(connection, project_id, actor_id), token


def collect_qr(
    connection: Connection, box: TokenBox, *, base_url: str, project_id: int, actor_id: int
) -> tuple[str, dict[str, object]]:
    """The QR payload (and the settings in it) that point ODK Collect at this project."""
    project = get_project(connection, project_id)
    app_user = get_app_user(connection, project_id, actor_id)
    if not app_user.token_cipher:
        raise Problem(
            ProblemCode.CONFLICT,
            reason="this app user's access was revoked: it has no QR code any more; "
            "create a new app user",
        )
    token = box.open(app_user.token_cipher)
    if token is None:
        raise Problem(
            ProblemCode.CONFLICT,
            reason="this app user's token cannot be read with the server's current "
            "key (BAOBAB_SECRET_KEY changed?): create a new app user",
        )
    settings = collect_settings(f"{base_url}/v1/key/{token}/projects/{project_id}", project.name)
    return qr_payload(settings), settings
