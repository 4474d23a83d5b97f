"""What a stored submission does beyond its rows, in the same transaction: the programmes'
hooks (server/plugins.py), then its entity actions (a registration, a follow-up's update, one
per repeat instance), read once for all. A hook may hold a registration back from its list (the
returnee programme's duplicate check), so the hooks run before the actions are applied."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree
from sqlalchemy.engine import Connection

from converters.entities import entity_actions
from converters.form_model import FormSchema
from server.plugins import StoredEvent
from storage.entities.actions import apply_actions
from storage.entities.apply import Event
from storage.entities.audits import Origin
from storage.forms.versions import FormRecord
from storage.submissions.store import Outcome, StoredSubmission, Submitter

if TYPE_CHECKING:
    from server.submissions.intake import IntakeContext

# Central processes a submission's entities when it is created and when it is edited (an edit
# does nothing to an entity a version of the submission already made); a resend, nothing.
_EVENTS = {Outcome.CREATED: Event.RECEIVED, Outcome.EDITED: Event.EDITED}


def after_store(
    connection: Connection,
    context: IntakeContext,
    *,
    form: FormRecord,
    schema: FormSchema,
    root: etree._Element,
    stored: StoredSubmission,
    submitter: Submitter,
) -> None:
    actions = entity_actions(root, schema) if schema.entities else []
    held: dict[str, str] = {}
    if context.after_store:
        event = StoredEvent(form, schema, root, stored, submitter, actions, context.clock)
        for hook in context.after_store:
            held.update(hook(connection, event))
    entity_event = _EVENTS.get(stored.outcome)
    if entity_event is None or not actions:
        return
    apply_actions(
        connection,
        form.project_id,
        actions,
        origin=Origin(
            stored.submission_id,
            stored.version_id,
            stored.instance_id,
            form.xml_form_id,
            submitter.actor_id,
        ),
        event=entity_event,
        now=context.clock(),
        held_by=held,
    )
