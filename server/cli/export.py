"""`baobab export`: any export format to a file, with a progress bar, from a terminal."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from server.auth import Caller
from server.cli.support import UsageError, command, database
from server.clock import system_clock
from server.exports.form_data import read_form_data, submission_filter
from server.exports.formats import FORMATS, ExportSpec, export_chunks
from server.plugins import load_programmes
from server.settings import Settings
from storage.audit import record
from storage.blobs.store import make_blob_store
from storage.db import transaction
from storage.exports.csv_queries import CsvOptions
from storage.forms.versions import get_form
from storage.submissions.queries import form_activity

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from server.cli.support import Commands
    from server.exports.form_data import FormData
    from storage.blobs.store import BlobStore


def add_export_command(commands: Commands) -> None:
    export = command(commands, "export", "export a form's submissions to a file", _export)
    export.add_argument("form_id", metavar="FORM_ID")
    export.add_argument("--project", type=int, required=True)
    export.add_argument("--format", choices=list(FORMATS), default="csv.zip")
    export.add_argument("-o", "--output", type=Path, required=True, help="the file to write")
    export.add_argument(
        "--filter",
        help="an OData $filter on submission metadata, e.g. \"__system/reviewState eq 'approved'\"",
    )
    export.add_argument("--no-media", action="store_true", help="csv.zip without media files")
    export.add_argument(
        "--no-group-paths",
        action="store_true",
        help="column names without their groups (age, not household-age), as Central's option",
    )
    export.add_argument(
        "--split-select-multiples",
        action="store_true",
        help="one 0/1 column per choice of each select_multiple, as Central's option",
    )
    export.add_argument(
        "--deleted-fields",
        action="store_true",
        help="include the columns of fields older versions had",
    )
    export.add_argument("--spss", action="store_true", help="csv.zip with SPSS syntax files")
    export.add_argument("--language", help="labels in this language (xlsx, sps)")
    export.add_argument("--labels", action="store_true", help="xlsx with choice labels")


def _export(args: argparse.Namespace, settings: Settings) -> int:
    if args.output.is_dir():
        raise UsageError(f"{args.output} is a directory; give a file name")
    spec = ExportSpec(
        args.format,
        CsvOptions(
            group_paths=not args.no_group_paths,
            split_select_multiples=args.split_select_multiples,
            filter=submission_filter(args.filter),
        ),
        media=not args.no_media,
        spss=args.spss,
        language=args.language,
        labels=args.labels,
    )
    blobs = make_blob_store(settings.blob_url)
    try:
        with database(settings) as engine:
            with transaction(engine, read_only=True) as connection:
                form = get_form(connection, args.project, args.form_id)
                data = read_form_data(
                    connection,
                    form,
                    Caller(None, "cli"),
                    deleted_fields=args.deleted_fields,
                    programmes=load_programmes(settings.programmes),
                    settings=settings,
                )
                total = cast(int, form_activity(connection, form.id)["submissions"])
            written = _write(engine, blobs, data, spec, args.output, total)
            with transaction(engine) as connection:
                record(
                    connection,
                    actor_id=None,
                    action="submission.export",
                    actee_type="form",
                    actee_id=form.xml_form_id,
                    now=system_clock(),
                    details={
                        "format": spec.format,
                        "project": form.project_id,
                        "via": "cli",
                        "filters": {"$filter": args.filter},
                    },
                )
    finally:
        blobs.close()
    print(f"wrote {args.output} ({human_size(written)})", file=sys.stderr)
    return 0


def human_size(size: int) -> str:
    """ "612 bytes", "1.8 KB (1,843 bytes)", "25 MB (26,214,400 bytes)": as the export page says
    it (units of 1,024; one decimal below 10), with the exact count after it."""
    if size < 1024:
        return f"{size:,} bytes"
    amount, unit = size / 1024, "KB"
    for bigger in ("MB", "GB"):
        if amount < 1024:
            break
        amount, unit = amount / 1024, bigger
    shown = f"{amount:.1f}" if amount < 10 else f"{amount:,.0f}"
    return f"{shown} {unit} ({size:,} bytes)"


def _write(
    engine: Engine, blobs: BlobStore, data: FormData, spec: ExportSpec, output: Path, total: int
) -> int:
    written = 0
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    partial_file = output.with_name(output.name + ".part")
    try:
        with Progress(*columns, transient=False) as progress, partial_file.open("wb") as out:
            task = progress.add_task(f"{data.form.xml_form_id} -> {output.name}", total=total)
            for chunk in export_chunks(
                engine, blobs, data, spec, system_clock(), lambda rows: progress.advance(task, rows)
            ):
                out.write(chunk)
                written += len(chunk)
            progress.update(task, completed=total)
    except BaseException:
        partial_file.unlink(missing_ok=True)
        raise
    partial_file.replace(output)  # a file that exists is a complete export
    return written
