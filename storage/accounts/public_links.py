"""Public links, as in ODK Central: an actor of its own (`public_link`) whose token lets anyone
holding the link fill one form, and only that form. The token is stored as its sha256, and
sealed with the server's key so a manager can copy the link again; revoking forgets both, so
the link stops working on its next request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from storage.accounts.access import ActorRecord, insert_actor
from storage.errors import NotFound, StorageCode
from storage.schema import system as s

PUBLIC_LINK = "public_link"  # the actors.type of a public link


@dataclass(frozen=True, slots=True)
class PublicLinkRecord:
    id: int  # the link's actor id
    form_id: int
    project_id: int
    display_name: str
    once: bool
    created_at: datetime
    updated_at: datetime | None
    deleted_at: datetime | None
    created_by: int | None
    token_cipher: str | None  # NULL once revoked


def create_public_link(
    connection: Connection,
    *,
    form_id: int,
    display_name: str,
    once: bool,
    token_hash: str,
    token_cipher: str,
    created_by: int | None,
    now: datetime,
) -> PublicLinkRecord:
    actor_id = insert_actor(connection, PUBLIC_LINK, display_name.strip(), now)
    connection.execute(
        sa.insert(s.public_links).values(
            actor_id=actor_id,
            form_id=form_id,
            once=once,
            token_hash=token_hash,
            token_cipher=token_cipher,
            created_by=created_by,
        )
    )
    return get_public_link(connection, form_id, actor_id)


def list_public_links(connection: Connection, form_id: int) -> list[PublicLinkRecord]:
    """The form's links that have not been revoked, oldest first."""
    rows = connection.execute(
        _LINKS.where(s.public_links.c.form_id == form_id, s.actors.c.deleted_at.is_(None)).order_by(
            s.actors.c.id
        )
    ).mappings()
    return [_link(row) for row in rows]


def get_public_link(connection: Connection, form_id: int, actor_id: int) -> PublicLinkRecord:
    row = (
        connection.execute(
            _LINKS.where(s.public_links.c.form_id == form_id, s.actors.c.id == actor_id)
        )
        .mappings()
        .first()
    )
    if row is None or row["deleted_at"] is not None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"public link {actor_id}")
    return _link(row)


def revoke_public_link(connection: Connection, form_id: int, actor_id: int, now: datetime) -> None:
    """Forget the token at once; submissions sent through the link keep naming it."""
    get_public_link(connection, form_id, actor_id)
    connection.execute(
        sa.update(s.public_links)
        .where(s.public_links.c.actor_id == actor_id)
        .values(token_hash=None, token_cipher=None)
    )
    connection.execute(
        sa.update(s.actors).where(s.actors.c.id == actor_id).values(deleted_at=now, updated_at=now)
    )


def find_public_link_by_token(connection: Connection, token_hash: str) -> PublicLinkRecord | None:
    """The live link holding this token, in one query (it runs on every request the link's
    page makes)."""
    row = (
        connection.execute(
            _LINKS.where(s.public_links.c.token_hash == token_hash, s.actors.c.deleted_at.is_(None))
        )
        .mappings()
        .first()
    )
    return None if row is None else _link(row)


def link_actor(link: PublicLinkRecord) -> ActorRecord:
    """The link as the actor its requests are made by (and its submissions attributed to)."""
    return ActorRecord(
        id=link.id,
        type=PUBLIC_LINK,
        display_name=link.display_name,
        email=None,
        is_admin=False,
        language="en",
        project_id=link.project_id,
        roles={},
        created_at=link.created_at,
    )


def entity_lists_read(connection: Connection, form_version_id: int, project_id: int) -> list[str]:
    """The project's entity lists a form version reads: its media files named after one
    (`returnees.csv`), which would go to whoever holds a public link of the form."""
    names = connection.execute(
        sa.select(s.form_attachments.c.name).where(
            s.form_attachments.c.form_version_id == form_version_id
        )
    ).scalars()
    lists = set(
        connection.execute(
            sa.select(s.entity_lists.c.name).where(s.entity_lists.c.project_id == project_id)
        ).scalars()
    )
    return sorted(
        name.removesuffix(".csv")
        for name in names
        if name.endswith(".csv") and name.removesuffix(".csv") in lists
    )


_LINKS = (
    sa.select(
        s.actors.c.id,
        s.actors.c.display_name,
        s.actors.c.created_at,
        s.actors.c.updated_at,
        s.actors.c.deleted_at,
        s.public_links.c.form_id,
        s.public_links.c.once,
        s.public_links.c.created_by,
        s.public_links.c.token_cipher,
        s.forms.c.project_id,
    )
    .join(s.public_links, s.public_links.c.actor_id == s.actors.c.id)
    .join(s.forms, s.forms.c.id == s.public_links.c.form_id)
)


def _link(row: RowMapping) -> PublicLinkRecord:
    return PublicLinkRecord(
        id=row["id"],
        form_id=row["form_id"],
        project_id=row["project_id"],
        display_name=row["display_name"],
        once=bool(row["once"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        deleted_at=row["deleted_at"],
        created_by=row["created_by"],
        token_cipher=row["token_cipher"],
    )
