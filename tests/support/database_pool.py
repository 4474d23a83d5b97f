"""PostgreSQL databases copied from the migrated template ahead of the tests that take them.

Each test gets a database of its own. `CREATE DATABASE … TEMPLATE` waits 0.3-0.7 s here on the
disk (it writes the template's 9-10 MB through the WAL and flushes it) for about 10 ms of CPU,
and `DROP DATABASE` waits too: made and dropped by a thread of the pytest worker while the tests
run, that wait leaves the tests' path.
"""

from __future__ import annotations

import queue
import threading
import uuid

import psycopg
from psycopg import sql

AHEAD = 2  # databases kept ready: a test takes one while the next is being made


class DatabasePool:
    """Databases named `{base}_{hex}`, copies of `template` on the server of `admin` (a libpq
    DSN of its maintenance database). take() one, give_back() it when the test is done."""

    def __init__(self, admin: str, template: str, base: str) -> None:
        self.admin = admin
        self.template = template
        self.base = base
        self._ready: queue.Queue[str | BaseException] = queue.Queue()
        self._jobs: queue.Queue[str | None] = queue.Queue()  # a name to drop, "" to make one
        for _ in range(AHEAD):
            self._jobs.put("")
        self._thread = threading.Thread(target=self._work, name="database-pool", daemon=True)
        self._thread.start()

    def take(self) -> str:
        """A fresh copy of the template, nobody else's; one more is made for the next test."""
        self._jobs.put("")
        while True:
            try:
                found = self._ready.get(timeout=1)
                break
            except queue.Empty:
                if not self._thread.is_alive():
                    raise RuntimeError("the database pool's thread has stopped") from None
        if isinstance(found, BaseException):
            raise RuntimeError("the database pool could not make a database") from found
        return found

    def give_back(self, name: str) -> None:
        """`name` is dropped in the background (its connections closed by force)."""
        self._jobs.put(name)

    def close(self) -> None:
        """Drop what was given back and what is still ready; wait for it."""
        self._jobs.put(None)
        self._thread.join()
        with psycopg.connect(self.admin, autocommit=True) as connection:
            while not self._ready.empty():
                left = self._ready.get_nowait()
                if isinstance(left, str):
                    _drop(connection, left)

    def _work(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as connection:
            while (job := self._jobs.get()) is not None:
                if job:
                    _drop(connection, job)
                    continue
                name = f"{self.base}_{uuid.uuid4().hex[:12]}"
                try:
                    connection.execute(
                        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                            sql.Identifier(name), sql.Identifier(self.template)
                        )
                    )
                except psycopg.Error as error:
                    self._ready.put(error)
                else:
                    self._ready.put(name)


def _drop(connection: psycopg.Connection, name: str) -> None:
    connection.execute(
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    )
