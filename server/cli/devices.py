"""`baobab app-users ...` and the form commands that prepare devices: assign forms to app users,
attach form media, open or close a form."""

from __future__ import annotations

import argparse
import io
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING

from server.accounts.app_users import collect_qr, issue_app_user
from server.accounts.keys import TokenBox, load_server_key, qr_image
from server.cli.support import UsageError, command, database, group, read_file
from server.clock import system_clock
from server.forms.media import attach_media
from server.settings import Settings
from storage.accounts.access import (
    assign_form,
    get_app_user,
    list_app_users,
    revoke_app_user,
    revoke_app_user_access,
)
from storage.audit import record
from storage.blobs.store import make_blob_store
from storage.db import transaction
from storage.forms.versions import FORM_STATES, get_form, set_form_state

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from server.cli.support import Commands


def add_device_commands(commands: Commands, forms: Commands) -> None:
    app_users = group(commands, "app-users", "app users: the tokens ODK Collect devices use")
    create = command(
        app_users, "create", "create an app user and print its QR code payload", _create
    )
    create.add_argument("name", help="a display name, e.g. the tablet's label")
    create.add_argument("--project", type=int, required=True)
    create.add_argument(
        "--form",
        action="append",
        default=[],
        metavar="FORM_ID",
        help="assign this form to it (repeatable)",
    )
    create.add_argument("--png", type=Path, help="also write the QR code to this PNG file")
    listing = command(app_users, "list", "list a project's app users", _list)
    listing.add_argument("--project", type=int, required=True)
    qr = command(app_users, "qr", "print an app user's QR code payload (text for Collect)", _qr)
    qr.add_argument("app_user", type=int, metavar="APP_USER_ID")
    qr.add_argument("--project", type=int, required=True)
    qr.add_argument("--png", type=Path, help="write the QR code to this PNG file")
    qr.add_argument("--svg", type=Path, help="write the QR code to this SVG file")
    revoke = command(
        app_users,
        "revoke",
        "revoke an app user's access at once (lost tablet); it stays listed as revoked",
        _revoke,
    )
    revoke.add_argument("app_user", type=int, metavar="APP_USER_ID")
    revoke.add_argument("--project", type=int, required=True)
    delete = command(
        app_users, "delete", "delete an app user: its token dies, it goes to the trash", _delete
    )
    delete.add_argument("app_user", type=int, metavar="APP_USER_ID")
    delete.add_argument("--project", type=int, required=True)

    assign = command(forms, "assign", "let an app user download and fill a form", _assign)
    assign.add_argument("form_id", metavar="FORM_ID")
    assign.add_argument("app_user", type=int, metavar="APP_USER_ID")
    assign.add_argument("--project", type=int, required=True)
    attach = command(forms, "attach", "upload a media file the form refers to", _attach)
    attach.add_argument("form_id", metavar="FORM_ID")
    attach.add_argument("file", type=Path)
    attach.add_argument("--project", type=int, required=True)
    attach.add_argument("--name", help="the file name in the form (default: the file's name)")
    state = command(forms, "state", "open, close (closing: hidden) or close a form", _state)
    state.add_argument("form_id", metavar="FORM_ID")
    state.add_argument("state", choices=FORM_STATES)
    state.add_argument("--project", type=int, required=True)


def _box(settings: Settings) -> TokenBox:
    return TokenBox(load_server_key(settings.data_dir, settings.secret_key))


def _create(args: argparse.Namespace, settings: Settings) -> int:
    if not args.name.strip():
        raise UsageError("an app user needs a name")
    box = _box(settings)
    with database(settings) as engine, transaction(engine) as connection:
        app_user, _token = issue_app_user(
            connection,
            box,
            project_id=args.project,
            display_name=args.name,
            created_by=None,
            now=system_clock(),
        )
        for form_id in args.form:
            assign_form(
                connection,
                get_form(connection, args.project, form_id).id,
                app_user.id,
                system_clock(),
            )
        payload, collect = collect_qr(
            connection,
            box,
            base_url=settings.base_url,
            project_id=args.project,
            actor_id=app_user.id,
        )
    print(f"created app user {app_user.id} {app_user.display_name}")
    _print_qr(payload, collect, args.png, None)
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    with database(settings) as engine, transaction(engine, read_only=True) as connection:
        for app_user in list_app_users(connection, args.project):
            revoked = "" if app_user.token_cipher else "\taccess revoked"
            print(f"{app_user.id}\t{app_user.display_name}{revoked}")
    return 0


def _qr(args: argparse.Namespace, settings: Settings) -> int:
    with database(settings) as engine, transaction(engine, read_only=True) as connection:
        payload, collect = collect_qr(
            connection,
            _box(settings),
            base_url=settings.base_url,
            project_id=args.project,
            actor_id=args.app_user,
        )
    _print_qr(payload, collect, args.png, args.svg)
    return 0


def _print_qr(payload: str, collect: dict[str, object], png: Path | None, svg: Path | None) -> None:
    general = collect["general"]
    assert isinstance(general, dict)
    print(f"server URL for Collect: {general['server_url']}")
    print(f"QR code payload (Collect > Settings > Project > Reconfigure, or scan):\n{payload}")
    for path, kind in ((png, "png"), (svg, "svg")):
        if path is not None:
            path.write_bytes(qr_image(payload, kind))
            print(f"QR code written to {path}")


def _revoke(args: argparse.Namespace, settings: Settings) -> int:
    """As the web's Revoke (Central's "Revoke access"): the token goes, the app user stays
    listed as revoked, with its submissions; audited as the web audits it."""
    with database(settings) as engine, transaction(engine) as connection:
        app_user = get_app_user(connection, args.project, args.app_user)
        revoke_app_user_access(connection, args.project, args.app_user, system_clock())
        _audit(connection, "field_key.session.end", app_user.id)
    print(
        f"revoked app user {app_user.id} {app_user.display_name}: its device can no longer "
        "download forms or send submissions; it stays listed as revoked"
    )
    return 0


def _delete(args: argparse.Namespace, settings: Settings) -> int:
    """As Central's DELETE .../app-users/{id}: the token goes and the app user moves to the
    trash (restorable with a new token until purged)."""
    with database(settings) as engine, transaction(engine) as connection:
        app_user = get_app_user(connection, args.project, args.app_user)
        revoke_app_user(connection, args.project, args.app_user, system_clock())
        _audit(connection, "field_key.delete", app_user.id)
    print(f"deleted app user {app_user.id} {app_user.display_name}: its device is refused")
    return 0


def _audit(connection: Connection, action: str, actor_id: int) -> None:
    record(
        connection,
        actor_id=None,
        action=action,
        actee_type="field_key",
        actee_id=actor_id,
        now=system_clock(),
        details={"via": "command line"},
    )


def _assign(args: argparse.Namespace, settings: Settings) -> int:
    with database(settings) as engine, transaction(engine) as connection:
        form = get_form(connection, args.project, args.form_id)
        app_user = get_app_user(connection, args.project, args.app_user)
        assign_form(connection, form.id, app_user.id, system_clock())
    print(f"app user {app_user.id} {app_user.display_name} can now use {form.xml_form_id}")
    return 0


def _attach(args: argparse.Namespace, settings: Settings) -> int:
    data = read_file(args.file)
    name = args.name or args.file.name
    blobs = make_blob_store(settings.blob_url)
    try:
        with database(settings) as engine:
            with transaction(engine, read_only=True) as connection:
                form = get_form(connection, args.project, args.form_id)
            info = attach_media(
                engine,
                blobs,
                form.current_version_id,
                form.xml_form_id,
                name,
                io.BytesIO(data),
                mimetypes.guess_type(name)[0],
                system_clock(),
            )
    finally:
        blobs.close()
    print(f"attached {name} to {form.xml_form_id} ({info.size} bytes, md5 {info.md5})")
    return 0


def _state(args: argparse.Namespace, settings: Settings) -> int:
    with database(settings) as engine, transaction(engine) as connection:
        form = get_form(connection, args.project, args.form_id)
        set_form_state(connection, form.id, args.state, system_clock())
    print(f"{form.xml_form_id} is now {args.state}")
    return 0
