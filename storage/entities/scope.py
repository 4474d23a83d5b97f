"""The subset of an entity list each actor's devices get, as Central has it: ownerOnly (the
entities the actor created) and the 2026.2 access filter (those whose property equals the
actor's value for any rule); the subset's hash for the manifest, its rows for the CSV, and the
integrity states Collect asks about."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from storage.accounts.actor_properties import actor_values
from storage.entities.lists import AccessRule, EntityListRecord, list_state
from storage.entities.queries import ID_CHUNK, property_text, record
from storage.entities.records import EntityRecord
from storage.schema import system as s


@dataclass(frozen=True, slots=True)
class EntityScope:
    """The entities of a list one actor's devices get: those it created (ownerOnly), or those
    whose property equals the actor's value for any rule (rules ORed; a rule the actor has no
    value for matches nothing, so an actor without values gets nothing: fail-closed)."""

    actor_id: int
    owner_only: bool
    rules: tuple[AccessRule, ...]
    values: tuple[tuple[str, str], ...]  # the actor's value of each actor property ruled on

    def key(self) -> str:
        """Whose subset, under which rules, with which values: part of the subset's hash, so
        a changed rule or value changes the hash as surely as a changed entity."""
        rules = [[r.dataset_property, r.actor_property] for r in self.rules]
        return json.dumps([self.actor_id, self.owner_only, rules, self.values])


def scope_for(
    connection: Connection, entity_list: EntityListRecord, actor_id: int
) -> EntityScope | None:
    """The actor's subset of the list, or None when the list has no filter."""
    if not entity_list.owner_only and not entity_list.rules:
        return None
    named = {r.actor_property for r in entity_list.rules}
    values = actor_values(connection, entity_list.project_id, actor_id) if named else {}
    return EntityScope(
        actor_id,
        entity_list.owner_only,
        entity_list.rules,
        tuple(sorted((k, v) for k, v in values.items() if k in named)),
    )


def scope_condition(connection: Connection, scope: EntityScope) -> ColumnElement[bool]:
    """The scope as a condition on `entities` (deleted entities included: they are in the
    subset's hash and its integrity states)."""
    parts: list[ColumnElement[bool]] = []
    if scope.owner_only:
        parts.append(s.entities.c.creator_id == scope.actor_id)
    if scope.rules:
        values = dict(scope.values)
        matches = [
            property_text(connection, rule.dataset_property) == values[rule.actor_property]
            for rule in scope.rules
            if rule.actor_property in values
        ]
        parts.append(sa.or_(*matches) if matches else sa.false())
    return sa.and_(sa.true(), *parts)


def scoped_state(
    connection: Connection, entity_list: EntityListRecord, scope: EntityScope | None
) -> str:
    """The manifest's hash of the list as `scope` gets it (the whole list for None)."""
    if scope is None:
        return list_state(connection, entity_list)
    return list_state(
        connection, entity_list, where=scope_condition(connection, scope), salt=scope.key()
    )


def stream_live(
    connection: Connection, list_id: int, scope: EntityScope | None
) -> Iterator[EntityRecord]:
    """The live entities of the list in `scope`, oldest first, read in batches."""
    query = sa.select(s.entities).where(
        s.entities.c.list_id == list_id, s.entities.c.deleted_at.is_(None)
    )
    if scope is not None:
        query = query.where(scope_condition(connection, scope))
    result = connection.execution_options(stream_results=True, yield_per=2000).execute(
        query.order_by(s.entities.c.created_at, s.entities.c.id)
    )
    for row in result.mappings():
        yield record(row)


def entity_states(
    connection: Connection,
    list_id: int,
    ids: Sequence[str] | None,
    scope: EntityScope | None,
) -> list[tuple[str, bool]]:
    """(uuid, deleted) of the entities named (all for None) that exist and are in `scope`:
    what Collect's integrity check asks of the entities it holds."""
    query = sa.select(s.entities.c.uuid, s.entities.c.deleted_at.is_not(None)).where(
        s.entities.c.list_id == list_id
    )
    if scope is not None:
        query = query.where(scope_condition(connection, scope))
    if ids is None:
        chunks: list[Sequence[str] | None] = [None]
    else:
        chunks = [ids[i : i + ID_CHUNK] for i in range(0, len(ids), ID_CHUNK)]
    found: list[tuple[str, bool]] = []
    for chunk in chunks:
        narrowed = query if chunk is None else query.where(s.entities.c.uuid.in_(chunk))
        found += [(u, bool(d)) for u, d in connection.execute(narrowed.order_by(s.entities.c.id))]
    return found
