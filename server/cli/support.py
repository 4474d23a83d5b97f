"""What every `baobab` subcommand shares: registering commands, a database for one command,
and reading files, with user mistakes reported as UsageError (one line, no traceback)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from server.settings import Settings
from storage.db import make_engine, upgrade

if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]


class UsageError(Exception):
    """A mistake on the command line, reported without a traceback."""


def group(commands: Commands, name: str, help_text: str) -> Commands:
    parser = commands.add_parser(name, help=help_text)
    parser.set_defaults(run=lambda _args, _settings: show_help(parser))
    return parser.add_subparsers(title="commands", metavar="COMMAND")


def show_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def command(
    commands: Commands,
    name: str,
    help_text: str,
    run: Callable[[argparse.Namespace, Settings], int],
) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(run=run)
    return parser


@contextmanager
def database(settings: Settings) -> Iterator[Engine]:
    """A migrated engine for one command, disposed of (connections closed) when it is done."""
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def read_file(path: Path) -> bytes:
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    return path.read_bytes()
