"""Which fields of a form are kept from roles that may not read sensitive data: those sensitive
in its current version (marked, or computed from a marked one: converters/form_model.py) or in
any earlier published one, since a field dropped from the form keeps its column and its old
values. A field an earlier version hid only as computed from a sensitive one is readable again
once the current version marks it `false`.

Every page, export and feed a role without that right opens asks this, so each published
version's marks are read from its XForm once per process: a published version never changes,
its id and sha256 name its marks for good."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from converters.xform_schema import parse_xform
from storage.schema import system as s

CACHED_VERSIONS = 256


@dataclass(frozen=True, slots=True)
class VersionMarks:
    hidden: frozenset[str]  # sensitive in this version: marked, or computed from a marked one
    marked: frozenset[str]  # marked `true` in this version
    cleared: frozenset[str]  # marked `false` in this version


_cache: OrderedDict[tuple[int, str], VersionMarks] = OrderedDict()
_lock = threading.Lock()


def sensitive_xpaths(connection: Connection, form_id: int) -> frozenset[str]:
    """The form's fields a role without the right to sensitive data does not get."""
    versions, forms = s.form_versions, s.forms
    current = versions.c.id == forms.c.current_version_id
    rows = connection.execute(
        sa.select(versions.c.id, versions.c.xform_sha256, current)
        .join(forms, forms.c.id == versions.c.form_id)
        .where(
            versions.c.form_id == form_id,
            sa.or_(
                current,
                sa.and_(
                    versions.c.published_at.is_not(None),
                    versions.c.xform.contains("sensitive"),  # no mark: nothing to parse
                ),
            ),
        )
    ).all()
    marks = {(row[0], row[1]): bool(row[2]) for row in rows}
    now = [_marks(connection, key) for key, is_current in marks.items() if is_current]
    cleared = now[0].cleared if now else frozenset()
    hidden = set(now[0].hidden) if now else set()
    for key, is_current in marks.items():
        if not is_current:
            earlier = _marks(connection, key)
            hidden |= earlier.marked | (earlier.hidden - cleared)
    return frozenset(hidden)


def _marks(connection: Connection, key: tuple[int, str]) -> VersionMarks:
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    xform = connection.execute(
        sa.select(s.form_versions.c.xform).where(s.form_versions.c.id == key[0])
    ).scalar_one()
    schema = parse_xform(xform.encode("utf-8"))
    found = VersionMarks(
        hidden=schema.sensitive_xpaths(),
        marked=frozenset(f.xpath for f in schema.fields if f.sensitive),
        cleared=frozenset(f.xpath for f in schema.fields if f.declared_not_sensitive),
    )
    with _lock:
        _cache[key] = found
        while len(_cache) > CACHED_VERSIONS:
            _cache.popitem(last=False)
    return found
