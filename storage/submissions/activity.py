"""A submission's review changes as the audit log has them (who set which state, when), for the
activity feed of its page; comments and versions are read by `queries`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.schema import system as s

MAX_REVIEWS = 200  # review changes a page lists, newest first


@dataclass(frozen=True, slots=True)
class ReviewChange:
    actor_id: int | None
    state: str
    logged_at: datetime


def review_changes(
    connection: Connection,
    xml_form_id: str,
    instance_id: str,
    since: datetime,
    limit: int = MAX_REVIEWS,
) -> list[ReviewChange]:
    """Newest first. The audit names a submission by its instanceID (and its form's id when
    the REST API or a recent page wrote it): one with the same instanceID in another form is
    left out when its form is named. The (actee_type, actee_id) index finds them (migration
    0016: without it, 120-150 ms per page with a million review audits); `since`, the
    submission's arrival, leaves out an older submission's audits under the same instanceID."""
    audits = s.audits
    rows = connection.execute(
        sa.select(audits.c.actor_id, audits.c.details, audits.c.logged_at)
        .where(
            audits.c.action == "submission.update",
            audits.c.actee_type == "submission",
            audits.c.actee_id == instance_id,
            audits.c.logged_at >= since,
        )
        .order_by(audits.c.logged_at.desc(), audits.c.id.desc())
        .limit(limit)
    )
    found = []
    for actor_id, details, logged_at in rows:
        if not isinstance(details, dict) or not isinstance(details.get("reviewState"), str):
            continue
        if details.get("formId", xml_form_id) != xml_form_id:
            continue
        found.append(ReviewChange(actor_id, details["reviewState"], logged_at))
    return found
