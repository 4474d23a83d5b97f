"""Creating entities from a CSV file on the web, as Central's "upload entities": a header with
`label` and property names, one entity per row. Every row is checked and every problem named
by row and column; the entities are created all together or not at all. The file is read as it
streams from the spooled upload (the web's body limit caps its size), never whole."""

from __future__ import annotations

import csv
import io
import uuid as uuid_module
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy.engine import Connection
from starlette.datastructures import UploadFile
from starlette.responses import Response
from starlette.routing import Route

from server.auth import Permission
from server.web.entity_list_pages import list_url, trail
from server.web.http import Web, page
from server.web.render import N_, translate
from storage.db import transaction
from storage.entities.lists import EntityListRecord, get_list
from storage.entities.records import create_entity

LIST = "/projects/{project_id:id}/entities/{name}"
LABEL = "label"
MAX_VALUE = 10_000  # characters in a cell
MAX_SHOWN = 50  # problems listed; the count says how many more


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int  # 1 is the header, as a spreadsheet numbers it
    column: str
    message: str


class Refused(Exception):
    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def upload(web: Web) -> Response:
    project_id = web.path_int("project_id")
    web.require(Permission.PROJECT_MANAGE, project_id)
    name = web.request.path_params["name"]
    if web.request.method == "POST":
        file = web.upload("file")
        problems: list[RowProblem] = []
        if file is None:
            problems = [RowProblem(0, "", translate("Choose a CSV file."))]
        else:
            try:
                count = _create_all(web, project_id, name, file)
            except Refused as refused:
                problems = refused.problems
            else:
                return web.redirect(f"{list_url(project_id, name)}/table", _created(count))
        return _page(web, project_id, name, problems)
    return _page(web, project_id, name, [])


def _created(count: int) -> str:
    # A flash is an English message id, translated on the next page.
    return N_("One entity created.") if count == 1 else N_("Entities created from the file.")


def _page(web: Web, project_id: int, name: str, problems: list[RowProblem]) -> Response:
    with transaction(web.state.engine, read_only=True) as connection:
        entity_list = get_list(connection, project_id, name)
    return web.render(
        "entity_upload.html",
        status=400 if problems else 200,
        project_id=project_id,
        entity_list=entity_list,
        columns=(LABEL, *entity_list.properties),
        problems=problems[:MAX_SHOWN],
        more=max(0, len(problems) - MAX_SHOWN),
        crumbs=trail(
            web,
            project_id,
            (name, f"{list_url(project_id, name)}/table"),
            (translate("Create entities from a CSV file"), None),
        ),
    )


def _create_all(web: Web, project_id: int, name: str, file: UploadFile) -> int:
    size = file.size if file.size is not None else 0
    source = {"type": "upload", "name": file.filename or "", "size": size}
    with transaction(web.state.engine) as connection:
        entity_list = get_list(connection, project_id, name)
        created = create_from_csv(
            connection,
            entity_list,
            file.file,
            creator_id=web.actor.id,
            now=web.state.clock(),
            source=source,
        )
        web.audit(
            connection,
            "entity.bulk.create",
            "dataset",
            name,
            {"list": name, "via": "web", "count": created, "source": source},
        )
    return created


def create_from_csv(
    connection: Connection,
    entity_list: EntityListRecord,
    raw: IO[bytes],
    *,
    creator_id: int,
    now: datetime,
    source: dict[str, object],
) -> int:
    """Creates an entity per row, in the caller's transaction; raises Refused with every
    problem found, after reading the whole file (the caller's transaction is then rolled back:
    nothing is written)."""
    problems: list[RowProblem] = []
    created = 0
    for row in read_rows(raw, entity_list, problems):
        if problems:
            continue  # keep reading: every problem is named at once
        create_entity(
            connection,
            entity_list,
            uuid=str(uuid_module.uuid4()),
            label=row[LABEL],
            data={k: v for k, v in row.items() if k != LABEL},
            creator_id=creator_id,
            now=now,
            source=source,
        )
        created += 1
    if not problems and created == 0:
        problems.append(RowProblem(2, "", translate("The file has no entity to create.")))
    if problems:
        raise Refused(problems)
    return created


def read_rows(
    raw: IO[bytes], entity_list: EntityListRecord, problems: list[RowProblem]
) -> Iterator[dict[str, str]]:
    """The rows of the file as {label, property: value}, checked; what is wrong goes to
    `problems` (and its row is not yielded)."""
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    number = 1
    try:
        header = [h.strip() for h in next(reader, [])]
        columns = _check_header(header, entity_list, problems)
        for cells in reader:
            number += 1  # as a spreadsheet numbers rows, a quoted line break or not
            if not any(c.strip() for c in cells):
                continue  # a blank line
            row = _check_row(number, cells, header, columns, problems)
            if row is not None:
                yield row
    except UnicodeDecodeError:
        problems.append(
            RowProblem(
                number + 1, "", translate("The file is not UTF-8 text: save it as CSV UTF-8.")
            )
        )
    except csv.Error as error:
        problems.append(
            RowProblem(number + 1, "", translate("Unreadable CSV: %(reason)s", reason=str(error)))
        )
    finally:
        text.detach()  # leave the upload open: the page closes it


def _check_header(
    header: list[str], entity_list: EntityListRecord, problems: list[RowProblem]
) -> bool:
    """Whether the header can be used: `label` once, then properties of the list, once each."""
    before = len(problems)
    if LABEL not in header:
        problems.append(RowProblem(1, LABEL, translate("The header needs a label column.")))
    seen: set[str] = set()
    for index, name in enumerate(header, start=1):
        where = name or translate("column %(num)d", num=index)
        if not name:
            problems.append(RowProblem(1, where, translate("This column has no name.")))
        elif name in seen:
            problems.append(RowProblem(1, where, translate("This column appears twice.")))
        elif name != LABEL and name not in entity_list.properties:
            problems.append(RowProblem(1, where, translate("The list has no such property.")))
        seen.add(name)
    return len(problems) == before


def _check_row(
    number: int, cells: list[str], header: list[str], usable: bool, problems: list[RowProblem]
) -> dict[str, str] | None:
    if not usable:
        return None
    if len(cells) > len(header):
        problems.append(
            RowProblem(
                number,
                translate("column %(num)d", num=len(header) + 1),
                translate("This row has more cells than the header has columns."),
            )
        )
        return None
    row = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
    bad = False
    if not row.get(LABEL):
        problems.append(RowProblem(number, LABEL, translate("An entity needs a label.")))
        bad = True
    for name, value in row.items():
        if len(value) > MAX_VALUE:
            problems.append(
                RowProblem(number, name, translate("At most %(num)d characters.", num=MAX_VALUE))
            )
            bad = True
    return None if bad else row


ROUTES = [
    Route(LIST + "/upload", page(upload), methods=["GET", "POST"]),
]
