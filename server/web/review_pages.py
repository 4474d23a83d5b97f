"""What the review panel of a submission's page shows beside the answers: the previous and next
submissions of the table the person came from, and the activity feed (review changes with the
comment written with them, edits with what they changed, comments), newest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from server.web.submission_changes import Changes
from storage.accounts.access import load_actor
from storage.submissions.activity import ReviewChange
from storage.submissions.queries import CommentRecord, VersionRecord

# A comment written within this time of a review change, by the same person, is the comment
# of that change: the page saves both in one transaction, the REST API (as Central's frontend
# does) in two requests a moment apart.
WITH_REVIEW = timedelta(minutes=1)

# The table's own query parameters that a submission's page carries on to its neighbours and
# back to the table; anything else in the query is dropped rather than echoed.
TABLE_PARAMS = frozenset(
    ("from", "to", "submitter", "state", "question", "answer", "sort", "order", "page", "size")
)
TABLE_PREFIXES = ("has:", "min:", "max:")  # the per-column filters


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str  # "review", "comment", "edit" or "created"
    at: datetime
    who: str
    state: str | None = None  # a review change's new state
    comment: str | None = None  # a comment, alone or with a review change
    changes: Changes | None = None  # what an edit changed (None past the edits diffed)


def table_query(params: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The parameters of the table a page was opened from (filters, sort, columns, page)."""
    return [
        (name, value)
        for name, value in params
        if name in TABLE_PARAMS or name.startswith(TABLE_PREFIXES)
    ]


def activity(
    connection: Connection,
    reviews: Sequence[ReviewChange],
    comments: Sequence[CommentRecord],
    versions: Sequence[VersionRecord],
    edits: dict[int, Changes],
) -> list[Entry]:
    """The feed, newest first. `versions` are newest first, as `list_versions` gives them."""
    names: dict[int | None, str] = {None: ""}

    def name(actor_id: int | None) -> str:
        if actor_id not in names:
            actor = load_actor(connection, actor_id) if actor_id is not None else None
            names[actor_id] = actor.display_name if actor else ""
        return names[actor_id]

    unused = list(comments)
    entries = []
    for change in reviews:
        said = next(
            (
                c
                for c in unused
                if c.actor_id == change.actor_id
                and abs(c.created_at - change.logged_at) <= WITH_REVIEW
            ),
            None,
        )
        if said is not None:
            unused.remove(said)
        entries.append(
            Entry(
                "review",
                change.logged_at,
                name(change.actor_id),
                state=change.state,
                comment=said.body if said else None,
            )
        )
    entries += [Entry("comment", c.created_at, name(c.actor_id), comment=c.body) for c in unused]
    for index, version in enumerate(versions):
        first = index == len(versions) - 1
        entries.append(
            Entry(
                "created" if first else "edit",
                version.created_at,
                name(version.submitter_id),
                changes=None if first else edits.get(version.id),
            )
        )
    # Newest first; at the same instant a review before its submission's creation never shows.
    order = {"created": 0, "edit": 1, "review": 2, "comment": 3}
    return sorted(entries, key=lambda e: (e.at, order[e.kind]), reverse=True)
