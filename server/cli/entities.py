"""`baobab entities ...`: the entity backlog from a terminal (Central's process-backlog task)."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import TYPE_CHECKING

from server.cli.support import command, database, group
from server.clock import system_clock
from server.settings import Settings
from storage.db import transaction
from storage.entities.actions import process_backlog
from storage.entities.backlog import count_held

if TYPE_CHECKING:
    from server.cli.support import Commands


def add_entities_commands(commands: Commands) -> None:
    entities = group(commands, "entities", "ODK Entities maintenance")
    backlog = command(
        entities,
        "process-backlog",
        "apply the offline entity updates held longer than BAOBAB_ENTITY_BACKLOG_DAYS for an "
        "update that never came: against the latest version, flagged as a conflict when "
        "something changed meanwhile (submissions run this too)",
        _process_backlog,
    )
    backlog.add_argument(
        "--force", action="store_true", help="apply every held update, whatever its age"
    )


def _process_backlog(args: argparse.Namespace, settings: Settings) -> int:
    age = None if args.force else timedelta(days=settings.entity_backlog_days)
    with database(settings) as engine:
        done = process_backlog(engine, system_clock(), older_than=age)
        with transaction(engine, read_only=True) as connection:
            left = count_held(connection)
    print(f"{done} held update(s) applied, {left} still held")
    return 0
