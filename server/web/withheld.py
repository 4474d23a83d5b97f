"""What the pages built on a form's data (the submissions table, the dashboard, the export page)
tell a role that may not read its sensitive fields: how many fields are withheld and why, so
that nobody takes 85 columns for the whole form."""

from __future__ import annotations

from dataclasses import dataclass

from server.auth import ROLE_PERMISSIONS, Permission
from server.exports.form_data import hidden_xpaths
from server.web.http import ROLE_NAMES, Web
from storage.db import transaction
from storage.forms.versions import FormRecord


@dataclass(frozen=True, slots=True)
class Withheld:
    """`count` fields kept from the viewer: those marked sensitive in any published version
    (the entity label built from them included), as the exports leave them out."""

    count: int
    role: str  # the viewer's role in the project, as the members page names it (a message id)
    readers: tuple[str, ...]  # the roles that may read them (message ids)


def withheld(web: Web, form: FormRecord) -> Withheld | None:
    """What the viewer is not shown of `form`, or None when nothing is kept from them."""
    if web.caller.can(Permission.SENSITIVE_READ, form.project_id):
        return None
    with transaction(web.state.engine, read_only=True) as connection:
        hidden = hidden_xpaths(connection, form, web.caller)
    if not hidden:
        return None
    role = web.actor.roles.get(form.project_id, "")
    return Withheld(
        len(hidden),
        ROLE_NAMES.get(role, role),
        tuple(
            ROLE_NAMES[name]
            for name, allowed in ROLE_PERMISSIONS.items()
            if Permission.SENSITIVE_READ in allowed and name in ROLE_NAMES
        ),
    )
