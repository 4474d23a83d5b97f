"""An entity's versions in Central's shape (GET .../entities/{uuid}/versions): each version as
stored (its base in server numbering, its offline branch) with what Central computes at read
time (lib/data/entity.js, getWithConflictDetails): whether it was a conflict, whether that was
resolved, the last good version before an unresolved one, which versions matter to resolving
it, and what it changed against its base and against the version before it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from server.rest.shapes import JsonObject, iso
from storage.entities.records import LABEL, EntityRecord, EntityVersionRecord


@dataclass(slots=True)
class _Branch:
    """A port of Central's Branch (from its frontend): up to which version an offline branch
    is contiguous with its trunk, with no update from outside the branch in between."""

    last_contiguous: int

    @classmethod
    def starting(cls, first: EntityVersionRecord) -> _Branch:
        if first.trunk_version is not None:
            return cls(first.version if first.version == first.trunk_version + 1 else 0)
        # A branch that began with an offline create: version 2 follows it directly; a create
        # processed late (the first update became version 1) leaves no gap either.
        return cls(2 if first.version == 2 else 1)

    def add(self, version: EntityVersionRecord) -> None:
        base = _base(version)
        if base == self.last_contiguous and version.version == base + 1:
            self.last_contiguous = version.version


def versions_json(
    history: Sequence[EntityVersionRecord], entity: EntityRecord, *, relevant_only: bool = False
) -> list[JsonObject]:
    """`history` ascending from version 1, as storage/entities/records.py reads it."""
    branches: dict[str, _Branch] = {}
    result: list[JsonObject] = []
    last_good = 0
    relevant_bases: set[int] = set()
    for version in history:
        if version.branch_id is not None:
            branch = branches.get(version.branch_id)
            if branch is None:
                branches[version.branch_id] = _Branch.starting(version)
            else:
                branch.add(version)
        body = _version(version, entity.version)
        if version.version > 1:
            base = _base(version)
            detached = (
                version.branch_id is not None and branches[version.branch_id].last_contiguous < base
            )
            as_create = (version.source or {}).get("action") == "create"
            body["baseDiff"] = _diff(version.received, _values(history, base))
            body["serverDiff"] = _diff(version.received, _values(history, version.version - 1))
            if version.version != base + 1 or detached or as_create:
                body["conflict"] = "hard" if version.conflicting_properties else "soft"
                resolved = (entity.resolved_version or 0) >= version.version
                body["resolved"] = resolved
                if not resolved and last_good == 0:
                    last_good = version.version - 1
                    result[version.version - 2]["lastGoodVersion"] = True
            if last_good > 0:
                relevant_bases.add(base)
        result.append(body)
    for body in result:
        number = int(str(body["version"]))
        body["relevantToConflict"] = last_good > 0 and (
            number >= last_good or number in relevant_bases
        )
    if last_good == 0 and result:
        result[-1]["lastGoodVersion"] = True
    return [b for b in result if b["relevantToConflict"]] if relevant_only else result


def _version(version: EntityVersionRecord, latest: int) -> JsonObject:
    return {
        "label": version.label,
        "current": version.version == latest,
        "createdAt": iso(version.created_at),
        "creatorId": version.creator_id,
        "userAgent": version.user_agent,
        "version": version.version,
        "baseVersion": version.base_version,
        "branchId": version.branch_id,
        "trunkVersion": version.trunk_version,
        "branchBaseVersion": version.branch_base_version,
        "conflictingProperties": version.conflicting_properties,
        "data": version.data,
        "dataReceived": version.received,
        "conflict": None,
        "resolved": False,
        "lastGoodVersion": False,
        "relevantToConflict": False,
        "baseDiff": [],
        "serverDiff": [],
        "source": version.source,
    }


def _base(version: EntityVersionRecord) -> int:
    """The stored base; versions written before bases were stored for every update (the API's)
    were made on the version before them."""
    return version.base_version if version.base_version is not None else version.version - 1


def _values(history: Sequence[EntityVersionRecord], number: int) -> Mapping[str, str]:
    version = history[number - 1]
    return {**version.data, LABEL: version.label}


def _diff(received: Mapping[str, str], other: Mapping[str, str]) -> list[str]:
    """Central's getDiffProp: what was received that the other version did not have so."""
    return [k for k, v in received.items() if k not in other or other[k] != v]
