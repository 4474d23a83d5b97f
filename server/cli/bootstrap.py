"""First start of `make run`: migrate, create the administrator, a default project and publish
the shipped forms, so that a fresh checkout is a working server."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from converters.errors import ConversionError
from server.accounts.passwords import Passwords, generate_password
from server.clock import Clock
from server.forms.upload import publish_upload
from server.settings import Settings
from storage.accounts.users import count_users, create_user
from storage.db import transaction, upgrade
from storage.errors import StorageError
from storage.projects import create_project, find_project_by_name

log = logging.getLogger(__name__)
DEFAULT_PROJECT = "Default project"


@dataclass(frozen=True, slots=True)
class BootstrapReport:
    admin_created: bool
    project_id: int
    published: tuple[str, ...]
    failed: tuple[str, ...]


def bootstrap(engine: Engine, settings: Settings, clock: Clock) -> BootstrapReport:
    upgrade(engine)
    admin_created = False
    with transaction(engine) as connection:
        if count_users(connection) == 0:
            password = settings.admin_password or generate_password()
            create_user(
                connection,
                email=settings.admin_email,
                now=clock(),
                is_admin=True,
                password_hash=Passwords().hash(password),
                display_name="Administrator",
            )
            admin_created = True
            # Printed once, on the terminal that ran `make run`, never logged.
            print(
                f"\nAdministrator created: {settings.admin_email}"
                + ("" if settings.admin_password else f"  password: {password}")
                + "\n",
                file=sys.stderr,
                flush=True,
            )
        project = find_project_by_name(connection, DEFAULT_PROJECT) or create_project(
            connection, DEFAULT_PROJECT, clock(), "Created on first start with the shipped forms."
        )
    published, failed = [], []
    for path in sorted(settings.forms_dir.glob("*.xlsx")) if settings.forms_dir.is_dir() else []:
        try:
            result = publish_upload(
                engine,
                project_id=project.id,
                data=path.read_bytes(),
                filename=path.name,
                clock=clock,
                validate=settings.odk_validate,
            )
        except (ConversionError, StorageError) as error:
            log.error("could not publish %s: %s", path.name, error)
            failed.append(path.name)
            continue
        if not result.already_published:
            published.append(f"{result.form.xml_form_id} {result.version.version}")
    return BootstrapReport(admin_created, project.id, tuple(published), tuple(failed))
