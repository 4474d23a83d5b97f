"""`baobab blobs gc`, `baobab backup DEST` and `baobab restore SRC`: keeping the data safe from a
terminal (issue 18). Backup never migrates the database it copies: take one before upgrading."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from server.cli.support import command, database, group
from server.clock import system_clock
from server.settings import Settings
from storage.backup.backup_restore import backup, restore
from storage.backup.targets import open_target
from storage.blobs.gc import collect_garbage
from storage.blobs.store import StoredBlob, make_blob_store
from storage.db import make_engine, transaction, upgrade
from storage.exports.entity_views import refresh_all_entity_views
from storage.exports.form_views import create_reader_role, refresh_all_views

if TYPE_CHECKING:
    from server.cli.support import Commands
    from storage.backup.backup_restore import Progress as ProgressCallback

PHASES = {"database": "database", "blobs": "blobs"}


def add_maintenance_commands(commands: Commands) -> None:
    blobs = group(commands, "blobs", "the blob store (photos, audio, files)")
    gc = command(
        blobs,
        "gc",
        "list the blobs no row refers to and left alone longer than --grace-hours; "
        "remove them with --delete (a dry run without it)",
        _gc,
    )
    gc.add_argument("--delete", action="store_true", help="remove what was found")
    gc.add_argument(
        "--grace-hours",
        type=float,
        default=24.0,
        help="leave blobs put more recently than this alone: a submission arriving stores its "
        "files before the rows that refer to them (default 24)",
    )
    gc.add_argument("--quiet", action="store_true", help="print the totals only")
    back = command(
        commands,
        "backup",
        "copy the database (a consistent snapshot) and every blob it refers to into DEST, "
        "an empty directory or s3://bucket/prefix, with SHA256SUMS",
        _backup,
    )
    back.add_argument("destination", metavar="DEST")
    back_in = command(
        commands,
        "restore",
        "restore a backup made by `baobab backup` onto an empty database and an empty blob "
        "store (BAOBAB_DATABASE_URL, BAOBAB_BLOB_URL), checking every checksum, then migrate",
        _restore,
    )
    back_in.add_argument("source", metavar="SRC")


def _gc(args: argparse.Namespace, settings: Settings) -> int:
    if args.grace_hours < 0:
        raise ValueError("--grace-hours cannot be negative")
    store = make_blob_store(settings.blob_url)
    verb = "removed" if args.delete else "unreferenced"

    def show(blob: StoredBlob, deleted: bool) -> None:
        if not args.quiet and (deleted or not args.delete):
            stamp = blob.modified.strftime("%Y-%m-%d %H:%M")
            print(f"{verb} {blob.sha256} {_size(blob.size):>10} last put {stamp} UTC")

    try:
        with database(settings) as engine:
            report = collect_garbage(
                engine,
                store,
                system_clock(),
                grace=timedelta(hours=args.grace_hours),
                delete=args.delete,
                on_orphan=show,
            )
    finally:
        store.close()
    print(
        f"{report.scanned} blob(s) in the store ({_size(report.scanned_bytes)}); "
        f"{report.orphans} unreferenced ({_size(report.orphan_bytes)}); "
        f"{report.recent} unreferenced but newer than {args.grace_hours:g} h, left alone"
    )
    if args.delete:
        print(
            f"{report.deleted} removed ({_size(report.deleted_bytes)}); "
            f"{report.kept_at_recheck} kept (in use again when re-checked); "
            f"{report.catalogue_rows} catalogue row(s) without a file removed"
        )
    else:
        print("dry run: nothing removed (add --delete)")
    return 0


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    target = open_target(args.destination)
    store = make_blob_store(settings.blob_url)
    engine = make_engine(settings.database_url)  # not migrated: a backup copies what is there
    try:
        with _progress() as progress:
            summary = backup(engine, store, target, system_clock(), progress)
    finally:
        engine.dispose()
        store.close()
    print(
        f"backed up to {args.destination}: {summary.database} ({_size(summary.database_bytes)}, "
        f"migration {summary.revision}), {summary.blobs} blob(s) ({_size(summary.blob_bytes)})"
    )
    if summary.missing:
        print(f"warning: {len(summary.missing)} blob(s) referred to were not in the store:")
        for sha256 in summary.missing:
            print(f"  {sha256}")
        return 1
    return 0


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    source = open_target(args.source)
    store = make_blob_store(settings.blob_url)
    engine = make_engine(settings.database_url)
    try:
        with _progress() as progress:
            info = restore(engine, store, source, progress)
        upgrade(engine)
        with transaction(engine) as connection:
            create_reader_role(connection)  # the dump carries no grants: give them again
            refresh_all_views(connection)
            refresh_all_entity_views(connection)
    finally:
        engine.dispose()
        store.close()
    print(
        f"restored the backup of {info['created_at']} (migration {info['revision']}, "
        f"{info['blobs']} blob(s)); the database is migrated to this version"
    )
    return 0


@contextmanager
def _progress() -> Iterator[ProgressCallback]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def advance(phase: str, done: int, total: int | None) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(PHASES.get(phase, phase), total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield advance


def _size(size: int) -> str:
    amount = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} GB"
