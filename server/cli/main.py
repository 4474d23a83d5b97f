"""The `baobab` command: serve, migrate, and manage users, projects and forms from a terminal."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from converters.errors import ConversionError, FormError, FormIssue
from server.accounts.passwords import Passwords, generate_password
from server.cli.bootstrap import bootstrap
from server.cli.devices import add_device_commands
from server.cli.entities import add_entities_commands
from server.cli.export import add_export_command
from server.cli.lifecycle import add_lifecycle_commands
from server.cli.maintenance import add_maintenance_commands
from server.cli.support import UsageError, command, database, group, read_file
from server.cli.users import add_user_account_commands
from server.clock import system_clock
from server.forms.rebuild import rebuild_tables
from server.forms.upload import compile_upload, publish_upload
from server.plugins import Programmes, load_programmes
from server.settings import Settings
from storage.accounts.users import create_user, list_users
from storage.db import transaction
from storage.errors import StorageError
from storage.exports.entity_views import refresh_all_entity_views
from storage.exports.form_views import create_reader_role, refresh_all_views
from storage.forms.versions import list_forms
from storage.projects import create_project, list_projects

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        programmes = load_programmes(Settings.from_env(os.environ).programmes)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    parser = _parser(programmes)
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        settings = Settings.from_env(os.environ)
        logging.basicConfig(
            level=settings.log_level.upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        result: int = args.run(args, settings)
        return result
    except FormError as error:
        _print_issues(error.issues or (FormIssue("error", error.message),))
        return 1
    except (ConversionError, StorageError, UsageError, ValueError, OSError) as error:
        print(f"error: {getattr(error, 'message', error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser(programmes: Programmes) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="baobab", description=__doc__)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = command(commands, "serve", "run the server", _serve)
    serve.add_argument("--host", help="address to listen on (default: BAOBAB_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default: BAOBAB_PORT)")
    serve.add_argument(
        "--workers", type=int, help="number of worker processes (default: BAOBAB_WORKERS)"
    )
    serve.add_argument(
        "--bootstrap",
        action="store_true",
        help="on first start create the admin and default project and publish "
        "the forms in BAOBAB_FORMS_DIR",
    )

    db = group(commands, "db", "database maintenance")
    command(db, "upgrade", "apply the database migrations", _db_upgrade)
    command(
        db,
        "refresh-views",
        "re-create every form's analytics views and, on PostgreSQL, the baobab_reader group",
        _db_refresh_views,
    )

    users = group(commands, "users", "web users")
    create = command(users, "create", "create a web user", _users_create)
    create.add_argument("email")
    create.add_argument("--name", help="display name")
    create.add_argument("--admin", action="store_true", help="make the user an administrator")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input instead of generating one",
    )
    command(users, "list", "list web users", _users_list)
    add_user_account_commands(users)  # reset, password, deactivate, reactivate, delete

    projects = group(commands, "projects", "projects")
    create = command(projects, "create", "create a project", _projects_create)
    create.add_argument("name")
    create.add_argument("--description", help="a sentence shown under the project's name")
    command(projects, "list", "list projects", _projects_list)

    forms = group(commands, "forms", "XLSForms and XForms")
    check = command(
        forms, "check", "compile and validate a form without publishing it", _forms_check
    )
    check.add_argument("file", type=Path)
    check.add_argument("--no-validate", action="store_true", help="skip ODK Validate")
    publish = command(
        forms, "publish", "publish a form (a new version of it if it exists)", _forms_publish
    )
    publish.add_argument("file", type=Path)
    publish.add_argument("--project", type=int, required=True, help="project id")
    publish.add_argument("--no-validate", action="store_true", help="skip ODK Validate")
    publish.add_argument(
        "--version",
        help="publish under this version name instead of the form's own (as Central's "
        "draft/publish?version=): every version published needs a name of its own",
    )
    listing = command(forms, "list", "list published forms", _forms_list)
    listing.add_argument("--project", type=int, help="only this project")
    rebuild = command(
        forms,
        "rebuild",
        "convert every submission's stored XML into the form's tables again",
        _forms_rebuild,
    )
    rebuild.add_argument("form_id", metavar="FORM_ID")
    rebuild.add_argument("--project", type=int, required=True, help="project id")
    add_device_commands(commands, forms)
    add_export_command(commands)
    add_entities_commands(commands)
    programmes.add_commands(commands)  # the returnee programme: scores, duplicates
    add_lifecycle_commands(commands)
    add_maintenance_commands(commands)  # blobs gc, backup, restore
    return parser


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    for flag, env in (
        ("host", "BAOBAB_HOST"),
        ("port", "BAOBAB_PORT"),
        ("workers", "BAOBAB_WORKERS"),
    ):
        if getattr(args, flag) is not None:
            os.environ[env] = str(getattr(args, flag))
    settings = Settings.from_env(os.environ)
    with database(settings) as engine:
        if args.bootstrap:
            report = bootstrap(engine, settings, system_clock)
            for form in report.published:
                print(f"published {form}", file=sys.stderr)
            for name in report.failed:
                print(f"could not publish {name} (see the log above)", file=sys.stderr)
    print(
        f"Baobab listening on http://{settings.host}:{settings.port} "
        f"(public URL {settings.base_url})",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(
        "server.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        proxy_headers=True,
        timeout_keep_alive=30,
    )
    return 0


def _db_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    with database(settings):
        print("database is up to date")
    return 0


def _db_refresh_views(_args: argparse.Namespace, settings: Settings) -> int:
    with database(settings) as engine, transaction(engine) as connection:
        create_reader_role(connection)
        refresh_all_views(connection)
        refresh_all_entity_views(connection)
        count = len(list_forms(connection))
    print(f"analytics views re-created for {count} form(s) and every entity list")
    return 0


def _users_create(args: argparse.Namespace, settings: Settings) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        generated = False
    else:
        password, generated = generate_password(), True
    password_hash = Passwords().hash(password)
    with database(settings) as engine, transaction(engine) as connection:
        user = create_user(
            connection,
            email=args.email,
            password_hash=password_hash,
            now=system_clock(),
            display_name=args.name,
            is_admin=args.admin,
        )
    print(f"created user {user.id} {user.email}" + (" (administrator)" if user.is_admin else ""))
    if generated:
        print(f"password: {password}")
    return 0


def _users_list(_args: argparse.Namespace, settings: Settings) -> int:
    with database(settings) as engine, transaction(engine, read_only=True) as connection:
        for user in list_users(connection):
            print(f"{user.id}\t{user.email}\t{'admin' if user.is_admin else ''}")
    return 0


def _projects_create(args: argparse.Namespace, settings: Settings) -> int:
    if not args.name.strip():
        raise UsageError("a project needs a name")
    with database(settings) as engine, transaction(engine) as connection:
        project = create_project(connection, args.name, system_clock(), args.description)
    print(f"created project {project.id} {project.name}")
    return 0


def _projects_list(_args: argparse.Namespace, settings: Settings) -> int:
    with database(settings) as engine, transaction(engine, read_only=True) as connection:
        for project in list_projects(connection):
            print(f"{project.id}\t{project.name}")
    return 0


def _forms_check(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    compiled = compile_upload(
        read_file(args.file),
        filename=args.file.name,
        validate="off" if args.no_validate else settings.odk_validate,
    )
    _print_issues(compiled.warnings)
    print(
        f"ok: {compiled.form_id} {_version_words(compiled.version)} ({compiled.title}) compiles"
        f"{'' if args.no_validate else ' and validates'} in "
        f"{time.perf_counter() - started:.2f}s"
    )
    return 0


def _forms_publish(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    data = read_file(args.file)
    with database(settings) as engine:
        result = publish_upload(
            engine,
            project_id=args.project,
            data=data,
            filename=args.file.name,
            clock=system_clock,
            validate="off" if args.no_validate else settings.odk_validate,
            version=args.version,
        )
    published = f"{result.form.xml_form_id} {_version_words(result.version.version)}"
    if result.already_published:
        print(f"{published} is already published; nothing to do")
        return 0
    changes = result.changes
    print(
        f"published {published} in project {result.form.project_id} "
        f"({time.perf_counter() - started:.2f}s): {changes.summary()}"
    )
    return 0


def _version_words(version: str) -> str:
    """A version as the output names it; a form without one (Central takes it as '') too."""
    return f"version {version}" if version else "without a version"


def _forms_list(args: argparse.Namespace, settings: Settings) -> int:
    with database(settings) as engine, transaction(engine, read_only=True) as connection:
        for form in list_forms(connection, args.project):
            print(f"{form.project_id}\t{form.xml_form_id}\t{form.state}\t{form.name or ''}")
    return 0


def _forms_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    with database(settings) as engine:
        converted = rebuild_tables(engine, args.project, args.form_id)
    print(f"rebuilt the tables of {args.form_id} from {converted} submissions")
    return 0


def _print_issues(issues: Sequence[FormIssue]) -> None:
    for issue in issues:
        where = issue.location()
        print(f"{issue.severity}: {where + ': ' if where else ''}{issue.message}", file=sys.stderr)
