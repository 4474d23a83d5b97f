"""The programme's part of a stored submission (server/plugins.py AfterStore), in the same
transaction: the reintegration scores of a follow-up, and the duplicate check of a new
registration, which holds a likely duplicate back so it never reaches a device's list."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from sqlalchemy.engine import Connection

from programmes.returnees.converters.rss import WeightSet
from programmes.returnees.server.duplicate_check import (
    DuplicateRules,
    load_rules,
    screen_registrations,
)
from programmes.returnees.server.scoring import load_scoring, score_submission
from server.plugins import AfterStore, StoredEvent
from server.settings import Settings
from storage.submissions.store import Outcome


def intake_hook(settings: Settings) -> AfterStore | None:
    """The hook for the weight set and duplicate rules in BAOBAB_FORMS_DIR (None: neither)."""
    weights = load_scoring(settings.forms_dir)
    rules = load_rules(settings.forms_dir)
    if weights is None and rules is None:
        return None
    return partial(after_store, weights, rules)


def after_store(
    weights: WeightSet | None,
    rules: DuplicateRules | None,
    connection: Connection,
    event: StoredEvent,
) -> Mapping[str, str]:
    form, stored = event.form, event.stored
    if (
        weights is not None
        and form.xml_form_id == weights.form_id
        and stored.outcome in (Outcome.CREATED, Outcome.EDITED)
    ):
        score_submission(
            connection,
            weights,
            root=event.root,
            schema=event.schema,
            submission_id=stored.submission_id,
            form_id=form.id,
            returnee=next((a.uuid for a in event.actions if a.update and a.problem is None), None),
            clock=event.clock,
        )
    if (
        stored.outcome is not Outcome.CREATED
        or not event.actions
        or rules is None
        or form.xml_form_id != rules.form_id
    ):
        return {}
    return screen_registrations(
        connection,
        rules,
        root=event.root,
        schema=event.schema,
        project_id=form.project_id,
        actions=event.actions,
        submission_id=stored.submission_id,
        actor_id=event.submitter.actor_id,
        now=event.clock(),
    )
