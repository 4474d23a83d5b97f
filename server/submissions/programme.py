"""What a stored submission does beyond its rows, in the same transaction: its entity actions
(a registration, a follow-up's update, one per repeat instance), its reintegration scores, and
the duplicate check of a new registration, which runs before the registration is applied so a
likely duplicate never reaches a device's list. The entity actions are read once for all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree
from sqlalchemy.engine import Connection

from converters.entities import entity_actions
from converters.form_model import FormSchema
from server.duplicate_check import screen_registrations
from server.scoring import score_submission
from storage.entity_actions import apply_actions
from storage.entity_apply import Event
from storage.entity_audits import Origin
from storage.forms import FormRecord
from storage.submissions import Outcome, StoredSubmission, Submitter

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
    weights = context.weights
    if (
        weights is not None
        and form.xml_form_id == weights.form_id
        and stored.outcome in (Outcome.CREATED, Outcome.EDITED)
    ):
        score_submission(
            connection,
            weights,
            root=root,
            schema=schema,
            submission_id=stored.submission_id,
            form_id=form.id,
            returnee=next((a.uuid for a in actions if a.update and a.problem is None), None),
            clock=context.clock,
        )
    event = _EVENTS.get(stored.outcome)
    if event is None or not actions:
        return
    held: dict[str, str] = {}
    rules = context.duplicates
    if event is Event.RECEIVED and rules is not None and form.xml_form_id == rules.form_id:
        held = screen_registrations(
            connection,
            rules,
            root=root,
            schema=schema,
            project_id=form.project_id,
            actions=actions,
            submission_id=stored.submission_id,
            actor_id=submitter.actor_id,
            now=context.clock(),
        )
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
        event=event,
        now=context.clock(),
        held_by=held,
    )
