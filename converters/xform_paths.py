"""Paths in an XForm as JavaRosa resolves them: a bind's nodeset or a control's ref made absolute,
with namespace prefixes dropped, so that every path names the primary instance by local names."""

from __future__ import annotations

import re

_PREDICATE = re.compile(r"\[[^\]]*\]")


def absolute_path(ref: str, context: str) -> str:
    """`ref` as an absolute path of local names. A relative path is resolved against `context`
    as JavaRosa does (XFormParser.getAbsRef): a bind's against the primary instance root
    (`nodeset="age"` is `/data/age`, as in forms written before pyxform), a control's against
    its enclosing group or repeat. Prefixes are dropped (`/data/orx:meta/orx:audit` is
    `/data/meta/audit`): the primary instance is walked by local names, and a form that mixes
    `<orx:meta>` with `meta` in its binds means the same element. `.`, `..` and predicates
    are applied or dropped; an expression that is not a path is returned as it is."""
    ref = ref.strip()
    if "(" in ref or not ref:
        return ref
    steps = [] if ref.startswith("/") else [s for s in context.split("/") if s]
    for raw in ref.split("/"):
        step = _PREDICATE.sub("", raw).strip()
        if step in ("", "."):
            continue
        if step == "..":
            if steps:
                steps.pop()
            continue
        attribute = step.startswith("@")
        local = step.lstrip("@").rsplit(":", 1)[-1]
        steps.append(f"@{local}" if attribute else local)
    return "/" + "/".join(steps)
