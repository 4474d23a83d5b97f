"""Reintegration sustainability scores at work: the weight set in use (forms/scoring), scoring a
submission as it arrives, and recomputing every stored score when the weights change."""

from __future__ import annotations

import logging
from pathlib import Path

from lxml import etree
from sqlalchemy.engine import Connection, Engine

from converters.entities import entity_actions
from converters.form_model import FormSchema
from converters.submission import parse_submission
from converters.xform_schema import parse_xform
from programmes.returnees.converters.rss import WeightSet, load_weights, score, submission_answers
from programmes.returnees.storage.scores import current_xml, store_scores
from server.clock import Clock
from storage.db import transaction
from storage.exports.score_view import refresh_scores_view
from storage.forms.versions import get_xform, list_forms

log = logging.getLogger(__name__)


def load_scoring(forms_dir: Path) -> WeightSet | None:
    """The weight set whose file name sorts last in forms/scoring, or None without one."""
    files = sorted((forms_dir / "scoring").glob("*.json"))
    if not files:
        return None
    return load_weights(files[-1].read_text(encoding="utf-8"), str(files[-1]))


def score_submission(
    connection: Connection,
    weights: WeightSet,
    *,
    root: etree._Element,
    schema: FormSchema,
    submission_id: int,
    form_id: int,
    returnee: str | None,
    clock: Clock,
) -> None:
    """Store the submission's scores (about the entity `returnee`), in the caller's
    transaction."""
    store_scores(
        connection,
        submission_id=submission_id,
        form_id=form_id,
        entity_uuid=returnee,
        scores=score(submission_answers(root, schema, weights), schema, weights),
        now=clock(),
    )


def recompute(engine: Engine, weights: WeightSet, clock: Clock, batch: int = 500) -> int:
    """Scores of every live submission of the weight set's form, in every project, from each
    submission's current XML, with these weights; returns how many were scored."""
    done = 0
    with transaction(engine, read_only=True) as connection:
        forms = [f for f in list_forms(connection) if f.xml_form_id == weights.form_id]
        schemas = {
            f.id: parse_xform(get_xform(connection, f.current_version_id).encode("utf-8"))
            for f in forms
            if f.current_version_id
        }
    for form_id, schema in schemas.items():
        after = 0
        while True:  # a batch at a time, by submission id: memory stays flat
            with transaction(engine) as connection:
                pending = current_xml(connection, form_id, after=after, limit=batch)
                for submission_id, xml in pending:
                    # Stored XML: kept as received, before instanceIDs had a character set.
                    _envelope, root = parse_submission(xml.encode("utf-8"), check_ids=False)
                    score_submission(
                        connection,
                        weights,
                        root=root,
                        schema=schema,
                        submission_id=submission_id,
                        form_id=form_id,
                        returnee=next(
                            (
                                a.uuid
                                for a in entity_actions(root, schema)
                                if a.update and a.problem is None
                            ),
                            None,
                        ),
                        clock=clock,
                    )
            if not pending:
                break
            done += len(pending)
            after = pending[-1][0]
    with transaction(engine) as connection:
        refresh_scores_view(connection)
    log.info("recomputed %d scores with weights %s", done, weights.version)
    return done
