"""`baobab purge`: empty the trash from a terminal (Central's `purge` task). Without --force
only what has been in the trash longer than BAOBAB_TRASH_DAYS goes; run it daily (cron or a
systemd timer), as Central's own cron does."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import Connection

from server.cli.support import UsageError, command, database
from server.clock import system_clock
from server.settings import Settings
from storage.blobs.store import make_blob_store
from storage.db import transaction
from storage.lifecycle.purge import PurgeScope, purge
from storage.schema import system as s

if TYPE_CHECKING:
    from server.cli.support import Commands


def add_lifecycle_commands(commands: Commands) -> None:
    parser = command(
        commands,
        "purge",
        "remove for good what has been in the trash longer than BAOBAB_TRASH_DAYS (submissions, "
        "forms with their tables, projects' forms, entities): rows, every version's XML, scores, "
        "duplicate flags and the files in the blob store; leaves an audit entry with counts",
        _purge,
    )
    parser.add_argument(
        "--force", action="store_true", help="purge everything in the trash, whatever its age"
    )
    parser.add_argument("--project", type=int, help="only the trash of this project (its id)")
    parser.add_argument(
        "--form", help="only this form's trash (its xmlFormId; needs --project)", metavar="FORM_ID"
    )


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    now = system_clock()
    before = None if args.force else now - timedelta(days=settings.trash_days)
    if args.form and args.project is None:
        raise UsageError("--form needs --project: a form id is unique within its project")
    blobs = make_blob_store(settings.blob_url)
    try:
        with database(settings) as engine:
            form_id = None
            if args.project is not None:
                with transaction(engine, read_only=True) as connection:
                    form_id = _scope(connection, args.project, args.form)
            scope = PurgeScope(before, args.project, form_id)
            columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
            with Progress(*columns, transient=True) as progress:
                task = progress.add_task("purging: 0 submissions", total=None)
                done = 0

                def advance(n: int) -> None:
                    nonlocal done
                    done += n
                    progress.update(task, description=f"purging: {done} submissions")

                counts = purge(engine, blobs, scope, now, progress=advance)
    finally:
        blobs.close()
    print(
        f"purged {counts.submissions} submission(s), {counts.forms} form(s), "
        f"{counts.entities} entit(y/ies), {counts.app_users} app user(s), {counts.blobs} file(s)"
    )
    return 0


def _scope(connection: Connection, project_id: int, xml_form_id: str | None) -> int | None:
    """The numeric id of the form named, trashed or not (a trashed project's too)."""
    projects, forms = s.projects, s.forms
    if (
        connection.execute(sa.select(projects.c.id).where(projects.c.id == project_id)).first()
        is None
    ):
        raise UsageError(f"no project {project_id}")
    if xml_form_id is None:
        return None
    found = connection.execute(
        sa.select(forms.c.id).where(
            forms.c.project_id == project_id, forms.c.xml_form_id == xml_form_id
        )
    ).scalar()
    if found is None:
        raise UsageError(f"no form '{xml_form_id}' in project {project_id}")
    return int(found)
