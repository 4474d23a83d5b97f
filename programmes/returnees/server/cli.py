"""The programme's commands. `baobab scores recompute`: every follow-up scored again with the
weight set in use. `baobab duplicates scan`: the duplicate check over every registration already
in a list (a programme importing its past caseload), with a progress bar on the terminal; memory
stays flat (batches of 500, each its own transaction) and the pairs go to the review queue."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from programmes.returnees.converters.rss import load_weights
from programmes.returnees.server.duplicate_check import load_rules
from programmes.returnees.server.scoring import load_scoring, recompute
from programmes.returnees.storage.duplicate_scan import BATCH, Fields, scan_list
from server.cli.support import UsageError, command, database, group
from server.clock import system_clock
from server.settings import Settings
from storage.db import transaction
from storage.entities.lists import find_list
from storage.projects import get_project

if TYPE_CHECKING:
    from server.cli.support import Commands


def add_commands(commands: Commands) -> None:
    scores = group(commands, "scores", "reintegration sustainability scores")
    recompute_command = command(
        scores,
        "recompute",
        "score every follow-up again with the weight set in use (or --weights FILE)",
        _scores_recompute,
    )
    recompute_command.add_argument(
        "--weights", type=Path, help="a weight set file (forms/scoring/*.json)"
    )
    duplicates = group(commands, "duplicates", "the eligibility review of registrations")
    scan = command(
        duplicates,
        "scan",
        "compare every registration of an entity list with the earlier ones (the rules of "
        "forms/duplicates.json; entities with no profile yet are read from their properties) "
        "and queue the likely duplicates for review; run it again at will: a pair is queued once",
        _scan,
    )
    scan.add_argument("--project", type=int, required=True, help="project id")
    scan.add_argument("--list", help="entity list name (default: the one of forms/duplicates.json)")
    scan.add_argument(
        "--threshold", type=float, help="likeness to queue from (default: the rules' threshold)"
    )
    scan.add_argument("--batch", type=int, default=BATCH, help=f"registrations per batch ({BATCH})")


def _scan(args: argparse.Namespace, settings: Settings) -> int:
    rules = load_rules(settings.forms_dir)
    if rules is None:
        raise UsageError(f"no duplicate rules: {settings.forms_dir / 'duplicates.json'} is missing")
    threshold = rules.threshold if args.threshold is None else args.threshold
    if not 0 < threshold <= 1:
        raise UsageError(f"--threshold must be above 0 and at most 1, not {threshold}")
    if args.batch < 1:
        raise UsageError(f"--batch must be at least 1, not {args.batch}")
    name = args.list or rules.list_name
    with database(settings) as engine:
        with transaction(engine, read_only=True) as connection:
            get_project(connection, args.project)
            entity_list = find_list(connection, args.project, name)
        if entity_list is None:
            raise UsageError(f"the project {args.project} has no entity list '{name}'")
        started = time.perf_counter()
        result = scan_list(
            engine,
            entity_list.id,
            Fields(rules.names, rules.birth, rules.phone, rules.document),
            threshold,
            system_clock(),
            progress=_bar(started),
            batch=args.batch,
        )
    print(file=sys.stderr)
    print(
        f"{result.compared} registration(s) of '{name}' compared "
        f"({result.profiled} read from their properties), {result.queued} pair(s) queued for "
        f"review, in {time.perf_counter() - started:.1f} s"
    )
    return 0


def _bar(started: float) -> Callable[[str, int, int], None]:
    def show(step: str, done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        elapsed = time.perf_counter() - started
        print(
            f"\r{step:>9} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {elapsed:.0f} s",
            end="",
            file=sys.stderr,
            flush=True,
        )

    return show


def _scores_recompute(args: argparse.Namespace, settings: Settings) -> int:
    path: Path | None = args.weights
    weights = (
        load_weights(path.read_text(encoding="utf-8"), str(path))
        if path
        else load_scoring(settings.forms_dir)
    )
    if weights is None:
        print(f"no weight set in {settings.forms_dir / 'scoring'}", file=sys.stderr)
        return 1
    with database(settings) as engine:
        done = recompute(engine, weights, system_clock)
    note = " (provisional weights)" if weights.provisional else ""
    print(f"{done} submission(s) of {weights.form_id} scored with weights {weights.version}{note}")
    return 0
