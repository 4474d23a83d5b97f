"""Properties of app users (Central 2026.2's actor properties): names declared per project
(`region`, `caseworker`), a value per app user, matched by entity lists' access filters so a
device gets only the entities its enumerator follows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.errors import Conflict, InvalidData, StorageCode
from storage.schema import system as s


def create_property(connection: Connection, project_id: int, name: str, now: datetime) -> None:
    """A new property name, unique in its project whatever its case (as Central: 409.3)."""
    if name.lower() in {n.lower() for n in list_properties(connection, project_id)}:
        raise Conflict(StorageCode.ALREADY_EXISTS, what="actor property", key=f"name {name}")
    connection.execute(
        sa.insert(s.actor_properties).values(project_id=project_id, name=name, created_at=now)
    )


def list_properties(connection: Connection, project_id: int) -> list[str]:
    return list(
        connection.execute(
            sa.select(s.actor_properties.c.name)
            .where(s.actor_properties.c.project_id == project_id)
            .order_by(s.actor_properties.c.name)
        ).scalars()
    )


def property_values(connection: Connection, project_id: int) -> dict[str, list[str]]:
    """Every property of the project with the distinct values its actors have, sorted."""
    found: dict[str, set[str]] = {name: set() for name in list_properties(connection, project_id)}
    rows = connection.execute(
        sa.select(s.actor_properties.c.name, s.actor_property_values.c.value)
        .join(
            s.actor_property_values,
            s.actor_property_values.c.property_id == s.actor_properties.c.id,
        )
        .join(s.actors, s.actors.c.id == s.actor_property_values.c.actor_id)
        .where(s.actor_properties.c.project_id == project_id, s.actors.c.deleted_at.is_(None))
    )
    for name, value in rows:
        found[name].add(value)
    return {name: sorted(values) for name, values in found.items()}


def actor_values(connection: Connection, project_id: int, actor_id: int) -> dict[str, str]:
    return values_of(connection, project_id, [actor_id]).get(actor_id, {})


def values_of(
    connection: Connection, project_id: int, actor_ids: Iterable[int]
) -> dict[int, dict[str, str]]:
    """Each actor's property values in the project (actors without any are left out)."""
    wanted = list(actor_ids)
    if not wanted:
        return {}
    rows = connection.execute(
        sa.select(
            s.actor_property_values.c.actor_id,
            s.actor_properties.c.name,
            s.actor_property_values.c.value,
        )
        .join(s.actor_properties, s.actor_properties.c.id == s.actor_property_values.c.property_id)
        .where(
            s.actor_properties.c.project_id == project_id,
            s.actor_property_values.c.actor_id.in_(wanted),
        )
        .order_by(s.actor_properties.c.name)
    )
    found: dict[int, dict[str, str]] = {}
    for actor_id, name, value in rows:
        found.setdefault(actor_id, {})[name] = value
    return found


def set_values(
    connection: Connection, project_id: int, actor_id: int, values: Mapping[str, str | None]
) -> None:
    """Set the actor's values; None unsets one. Every name must be a property of the project
    (else nothing is written)."""
    ids = dict(
        connection.execute(
            sa.select(s.actor_properties.c.name, s.actor_properties.c.id).where(
                s.actor_properties.c.project_id == project_id
            )
        ).all()
    )
    unknown = sorted(set(values) - set(ids))
    if unknown:
        raise InvalidData(
            StorageCode.INVALID_NAME,
            name=", ".join(unknown),
            reason="the project has no such actor property (POST .../actor-properties first)",
        )
    if not values:
        return
    values_table = s.actor_property_values
    connection.execute(
        sa.delete(values_table).where(
            values_table.c.actor_id == actor_id,
            values_table.c.property_id.in_([ids[name] for name in values]),
        )
    )
    kept = [
        {"actor_id": actor_id, "property_id": ids[name], "value": value}
        for name, value in values.items()
        if value is not None
    ]
    if kept:
        connection.execute(sa.insert(values_table), kept)
