"""The bare stack that bench/ceiling.py measures: what any OpenRosa ingest server must do, and
nothing more. Starlette on uvicorn (httptools, uvloop); python-multipart parses the upload; lxml
parses the XML with a safe parser; one database transaction writes the raw XML, one root row
and the repeat rows. Each attached file goes, before the commit, into S3 through boto3 when
CEILING_S3_URL is set, into CEILING_FILE_DIR (fsynced) when that is set, else nowhere. No
authentication, no form look-up, no validation, no types, no audit: a real server does more,
so its figures are a ceiling, not a target.

Configured by the environment bench/ceiling.py sets: CEILING_DATABASE_URL (postgresql://... or
a SQLite file path), CEILING_COLUMNS / CEILING_REPEAT / CEILING_REPEAT_COLUMNS (the tables
bench/ceiling.py created), CEILING_S3_URL (s3://bucket?endpoint_url=...&region=..., as
BAOBAB_BLOB_URL) or CEILING_FILE_DIR."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import psycopg
from botocore.config import Config
from lxml import etree
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
COLUMNS = os.environ["CEILING_COLUMNS"].split(",")
REPEAT = os.environ["CEILING_REPEAT"]
REPEAT_COLUMNS = os.environ["CEILING_REPEAT_COLUMNS"].split(",")
DATABASE = os.environ["CEILING_DATABASE_URL"]
POSTGRES = DATABASE.startswith("postgresql")
OK = (
    b'<OpenRosaResponse xmlns="http://openrosa.org/http/response">'
    b'<message nature="submit_success">OK</message></OpenRosaResponse>'
)
HEADERS = {"X-OpenRosa-Version": "1.0", "Content-Type": "text/xml; charset=utf-8"}
MARK = "%s" if POSTGRES else "?"


def _names(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


# Column names come from the bench's own template submission, not from a request.
ROOT_SQL = (
    f"INSERT INTO ceiling_root (instance_id, xml, {_names(COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join([MARK] * (len(COLUMNS) + 2))}) RETURNING id"
)
REPEAT_SQL = (
    f"INSERT INTO ceiling_repeat (parent_id, position, {_names(REPEAT_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join([MARK] * (len(REPEAT_COLUMNS) + 2))})"
)


class Connections:
    """A few async PostgreSQL connections per worker, handed out one request at a time."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.idle: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()

    async def open(self) -> None:
        for _ in range(self.size):
            self.idle.put_nowait(await psycopg.AsyncConnection.connect(DATABASE))

    async def close(self) -> None:
        while not self.idle.empty():
            await self.idle.get_nowait().close()


def _leaves(element: Any, found: dict[str, str | None]) -> None:
    for child in element:
        if child.tag == REPEAT:
            continue
        if len(child):
            _leaves(child, found)
        else:
            found[child.tag] = child.text


def _s3_client() -> tuple[Any, str] | None:
    """boto3 as Baobab's store uses it (s3://bucket?endpoint_url=...&region=..., credentials from
    the environment), with the checksum settings that spare hashing the body twice."""
    url = os.environ.get("CEILING_S3_URL")
    if not url:
        return None
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    client = boto3.client(
        "s3",
        endpoint_url=query.get("endpoint_url"),
        region_name=query.get("region"),
        config=Config(
            max_pool_connections=16,
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            s3={"addressing_style": "path"},
        ),
    )
    return client, parts.netloc


def _write_file(path: str, content: bytes) -> None:
    with open(path, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())


S3 = _s3_client()
FILE_DIR = os.environ.get("CEILING_FILE_DIR")
CONNECTIONS = Connections(8)


def _rows(xml: bytes) -> tuple[str, list[str | None], list[list[str | None]]]:
    root = etree.fromstring(xml, PARSER)
    found: dict[str, str | None] = {}
    _leaves(root, found)
    repeats = [[r.findtext(c) for c in REPEAT_COLUMNS] for r in root.iter(REPEAT)]
    return found.get("instanceID") or "", [found.get(c) for c in COLUMNS], repeats


async def _store_postgres(
    instance_id: str, xml: bytes, values: list[Any], repeats: list[Any]
) -> None:
    connection = await CONNECTIONS.idle.get()
    try:
        async with connection.transaction():
            cursor = await connection.execute(ROOT_SQL, [instance_id, xml.decode(), *values])
            row = await cursor.fetchone()
            assert row is not None
            await connection.cursor().executemany(
                REPEAT_SQL, [[row[0], i, *r] for i, r in enumerate(repeats, 1)]
            )
    finally:
        CONNECTIONS.idle.put_nowait(connection)


def _store_sqlite(instance_id: str, xml: bytes, values: list[Any], repeats: list[Any]) -> None:
    connection = sqlite3.connect(DATABASE, isolation_level=None, timeout=30)
    try:
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("BEGIN IMMEDIATE")
        parent = connection.execute(ROOT_SQL, [instance_id, xml.decode(), *values]).fetchone()[0]
        connection.executemany(REPEAT_SQL, [[parent, i, *r] for i, r in enumerate(repeats, 1)])
        connection.execute("COMMIT")
    finally:
        connection.close()


async def submit(request: Request) -> Response:
    async with request.form(max_part_size=100 * 2**20) as form:
        xml_part = form["xml_submission_file"]
        assert isinstance(xml_part, UploadFile)
        xml = await xml_part.read()
        files = [part for key, part in form.multi_items() if key != "xml_submission_file"]
        instance_id, values, repeats = _rows(xml)
        for part in files:
            assert isinstance(part, UploadFile)
            content = await part.read()
            key = hashlib.sha256(content).hexdigest()
            if S3 is not None:
                client, bucket = S3
                await run_in_threadpool(client.put_object, Bucket=bucket, Key=key, Body=content)
            elif FILE_DIR:
                await run_in_threadpool(_write_file, os.path.join(FILE_DIR, key), content)
    if POSTGRES:
        await _store_postgres(instance_id, xml, values, repeats)
    else:
        await run_in_threadpool(_store_sqlite, instance_id, xml, values, repeats)
    return Response(OK, status_code=201, headers=HEADERS)


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    if POSTGRES:
        await CONNECTIONS.open()
    yield
    if POSTGRES:
        await CONNECTIONS.close()


app = Starlette(routes=[Route("/submission", submit, methods=["POST"])], lifespan=lifespan)
