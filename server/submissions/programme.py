"""What a stored submission does beyond its rows, in the same transaction: its entity actions
(a registration, a follow-up's update), its reintegration scores, and the duplicate check of a
new registration. The submission's entity actions are read once for all three."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree
from sqlalchemy.engine import Connection

from converters.entities import entity_actions
from converters.form_model import FormSchema
from server.duplicate_check import check_registration
from server.scoring import score_submission
from storage.entity_actions import apply_actions
from storage.forms import FormRecord
from storage.submissions import Outcome, StoredSubmission, Submitter

if TYPE_CHECKING:
    from server.submissions.intake import IntakeContext


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
    if stored.outcome is not Outcome.CREATED or not actions:
        return
    outcomes = apply_actions(
        connection,
        form.project_id,
        actions,
        submission_version_id=stored.version_id,
        creator_id=submitter.actor_id,
        now=context.clock(),
    )
    rules = context.duplicates
    if rules is None or form.xml_form_id != rules.form_id:
        return
    for action, outcome in zip(actions, outcomes, strict=True):
        if outcome == "create":
            check_registration(
                connection,
                rules,
                root=root,
                schema=schema,
                project_id=form.project_id,
                entity_uuid=action.uuid,
                submission_id=stored.submission_id,
                actor_id=submitter.actor_id,
                now=context.clock(),
            )
