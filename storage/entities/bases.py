"""Which version an entity update was made on, and what it finds changed since, as ODK Central
computes them (lib/model/query/entities.js: _computeBaseVersion, the conflict rules of
_updateEntity, _interruptedBranch)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from converters.entities import EntityAction
from storage.entities.records import LABEL, EntityRecord
from storage.errors import NotFound, StorageCode
from storage.schema import system as s


@dataclass(frozen=True, slots=True)
class Base:
    version: int
    label: str
    data: Mapping[str, str]


def base_of(
    connection: Connection,
    entity: EntityRecord,
    action: EntityAction,
    *,
    force: bool,
    create_as_update: bool,
) -> Base | None:
    """The version the update was made on (Central's _computeBaseVersion); None: not arrived
    yet, the update waits for it."""
    latest = Base(entity.version, entity.label, entity.data)
    if create_as_update:
        return latest
    assert action.base_version is not None
    v = s.entity_versions
    if action.branch_id is None:
        condition = v.c.version == action.base_version
    elif action.base_version == 1:
        condition = v.c.version == 1
    elif action.base_version == action.trunk_version:  # the start of the branch
        condition = v.c.version == action.base_version
    else:  # the branch's own previous update
        condition = sa.and_(
            v.c.branch_id == action.branch_id,
            v.c.branch_base_version == action.base_version - 1,
        )
    row = connection.execute(
        sa.select(v.c.version, v.c.label, v.c.data)
        .where(v.c.entity_id == entity.id, condition)
        .order_by(v.c.version)
        .limit(1)
    ).first()
    if row is not None:
        return Base(int(row.version), str(row.label), dict(row.data or {}))
    if action.branch_id is None:  # online: Central refuses (404.9), never holds
        raise NotFound(
            StorageCode.ENTITY_VERSION_NOT_FOUND,
            field="baseVersion",
            given=action.base_version,
            uuid=action.uuid,
            current=entity.version,
        )
    return latest if force else None


def conflict_of(
    connection: Connection,
    entity: EntityRecord,
    base: Base,
    action: EntityAction,
    received: Mapping[str, str],
    *,
    create_as_update: bool,
) -> tuple[str | None, list[str] | None]:
    """What an update made on `base` brings (soft, hard or None), and the properties it sets
    that the server changed meanwhile to another value (Central's conflictingProperties: a
    list when the base is not the current version, else None)."""
    current = {**entity.data, LABEL: entity.label}
    if base.version != entity.version:
        # What the server changed since the base (Central's getDiffProp, label included).
        before = {**base.data, LABEL: base.label}
        changed = {k for k, v in current.items() if before.get(k) != v}
        conflicting = [k for k in received if k in changed and received[k] != current[k]]
        return ("hard" if conflicting else "soft"), conflicting
    if create_as_update:
        conflicting = [k for k in received if k in current and received[k] != current[k]]
        return ("hard" if conflicting else "soft"), conflicting
    if action.branch_id is not None and _interrupted(connection, entity.id, action):
        return "soft", None
    return None, None


def _interrupted(connection: Connection, entity_id: int, action: EntityAction) -> bool:
    """Whether a version from outside the branch came after the branch's trunk (Central's
    _interruptedBranch): the branch's update, applied on its own previous one, is then soft."""
    v = s.entity_versions
    found = connection.execute(
        sa.select(v.c.version)
        .where(
            v.c.entity_id == entity_id,
            v.c.branch_id.is_distinct_from(action.branch_id),
            v.c.version > (action.trunk_version or 1),
        )
        .limit(1)
    ).first()
    return found is not None


def worse(current: str | None, new: str | None) -> str | None:
    order = {None: 0, "soft": 1, "hard": 2}
    return current if order[current] >= order[new] else new
