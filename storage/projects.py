"""Projects: the unit that owns forms, app users and roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from storage.errors import NotFound, StorageCode
from storage.schema import system as s


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    id: int
    name: str
    description: str | None
    archived: bool
    created_at: datetime
    updated_at: datetime | None


def create_project(
    connection: Connection, name: str, now: datetime, description: str | None = None
) -> ProjectRecord:
    project_id = connection.execute(
        sa.insert(s.projects)
        .values(name=name.strip(), description=description, archived=False, created_at=now)
        .returning(s.projects.c.id)
    ).scalar_one()
    return get_project(connection, project_id)


def get_project(connection: Connection, project_id: int) -> ProjectRecord:
    row = (
        connection.execute(
            sa.select(s.projects).where(
                s.projects.c.id == project_id, s.projects.c.deleted_at.is_(None)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(StorageCode.PROJECT_NOT_FOUND, project_id=project_id)
    return _project(row)


def find_project_by_name(connection: Connection, name: str) -> ProjectRecord | None:
    row = (
        connection.execute(
            sa.select(s.projects)
            .where(s.projects.c.name == name, s.projects.c.deleted_at.is_(None))
            .order_by(s.projects.c.id)
        )
        .mappings()
        .first()
    )
    return _project(row) if row else None


def list_projects(connection: Connection, ids: set[int] | None = None) -> list[ProjectRecord]:
    query = sa.select(s.projects).where(s.projects.c.deleted_at.is_(None))
    if ids is not None:
        query = query.where(s.projects.c.id.in_(ids))
    return [_project(r) for r in connection.execute(query.order_by(s.projects.c.id)).mappings()]


def _project(row: RowMapping) -> ProjectRecord:
    return ProjectRecord(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        archived=row["archived"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
