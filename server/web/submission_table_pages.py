"""The submissions table (issue 21): every root question available as a column, the columns
each person chose (kept per person and form, server side), per-column filters, and a gallery
of the photos of a form's image questions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import Route

from converters.form_model import DataType, FormSchema
from server.auth import Permission
from server.errors import Problem, ProblemCode
from server.web.form_pages import FORM, crumbs, form_url, load_form
from server.web.http import Web, page
from server.web.params import whole_number
from server.web.render import translate
from server.web.submission_pages import (
    PAGE_SIZES,
    REVIEWABLE,
    STATE_NAMES,
    choice_labels,
    current_schema,
    names_shown,
    read_filters,
    read_sort,
    root_questions,
    table_cells,
)
from server.web.withheld import withheld
from storage.db import transaction
from storage.submissions.column_choices import choose_columns, chosen_columns, forget_columns
from storage.submissions.listing import ColumnFilter, FormData, SubmissionRow, submitters
from storage.submissions.table_indexes import request_indexes, wanted_indexes

DEFAULT_COLUMNS = 12
GALLERY_SIZE = 24  # submissions per gallery page
# Filled in by the device or the form, not by the person interviewed: choosable, never shown
# by default (`username` is empty unless the device set one).
METADATA = {"start", "end", "today", "deviceid", "username", "email", "phonenumber"}
METADATA |= {"simserial", "subscriberid", "audit", "instanceID", "instanceName", "deprecatedID"}
NOT_BY_DEFAULT = METADATA | {"calculate", "image", "audio", "video", "file", "geotrace"}
YES_NO = {"yes", "no", "y", "n", "oui", "non", "true", "false", "1", "0", "dont_know"}
NUMBERS = (DataType.INT, DataType.DECIMAL)
DATES = (DataType.DATE, DataType.DATETIME)


@dataclass(frozen=True, slots=True)
class ColumnInput:
    """How a shown column is filtered: `kind` is text, select, number or date."""

    xpath: str
    kind: str
    options: tuple[tuple[str, str], ...] = ()  # (choice name, label) for a select


def default_columns(schema: FormSchema, questions: list[tuple[str, str]]) -> list[str]:
    """The first questions a person would look for: answers, not metadata, calculations or
    files; yes/no questions (consents, mostly) only when nothing else fills the table."""
    plain: list[str] = []
    yes_no: list[str] = []
    for xpath, _ in questions:
        field = schema.field(xpath)
        if field is None or field.kind in NOT_BY_DEFAULT:
            continue
        choices = schema.choice_lists.get(field.choice_list or "")
        names = {c.name.casefold() for c in choices.choices} if choices else set()
        (yes_no if names and names <= YES_NO else plain).append(xpath)
    return (plain + yes_no)[:DEFAULT_COLUMNS]


def shown_columns(
    web: Web, form_id: int, schema: FormSchema, questions: list[tuple[str, str]]
) -> tuple[list[tuple[str, str]], bool]:
    """The columns shown (xpath, label), in the person's order, and whether they chose them.
    A chosen question the caller may no longer see (sensitive, or gone) is left out."""
    labels = dict(questions)
    with transaction(web.state.engine, read_only=True) as connection:
        chosen = chosen_columns(connection, web.actor.id, form_id)
    if chosen is None:
        return [(x, labels[x]) for x in default_columns(schema, questions)], False
    return [(x, labels[x]) for x in chosen if x in labels], True


def column_inputs(schema: FormSchema, shown: list[tuple[str, str]]) -> list[ColumnInput]:
    inputs = []
    for (xpath, _), names in zip(shown, choice_labels(schema, [x for x, _ in shown]), strict=True):
        field = schema.field(xpath)
        data_type = field.data_type if field else DataType.STRING
        if names:
            inputs.append(ColumnInput(xpath, "select", tuple(names.items())))
        elif data_type in NUMBERS:
            inputs.append(ColumnInput(xpath, "number"))
        elif data_type in DATES:
            inputs.append(ColumnInput(xpath, "date"))
        else:
            inputs.append(ColumnInput(xpath, "text"))
    return inputs


def read_column_filters(
    web: Web, schema: FormSchema, questions: list[tuple[str, str]]
) -> tuple[ColumnFilter, ...]:
    """`has:<xpath>` (text contained, or a choice's name), `min:<xpath>` and `max:<xpath>`
    (numbers or days). A question the caller may not see is refused like one the form does
    not have: a filter would reveal its values."""
    wanted: dict[str, dict[str, str]] = {}
    for key, value in web.request.query_params.multi_items():
        prefix, _, xpath = key.partition(":")
        if prefix in ("has", "min", "max") and xpath and value.strip():
            if xpath not in dict(questions):
                raise Problem(
                    ProblemCode.BAD_REQUEST,
                    reason=translate("no question '%(name)s' in this form", name=xpath),
                )
            wanted.setdefault(xpath, {})[prefix] = value.strip()
    return tuple(_column_filter(schema, xpath, given) for xpath, given in wanted.items())


def _column_filter(schema: FormSchema, xpath: str, given: dict[str, str]) -> ColumnFilter:
    field = schema.field(xpath)
    assert field is not None  # among root_questions(schema)
    choices = schema.choice_lists.get(field.choice_list or "")
    text = given.get("has")
    names = {c.name for c in choices.choices} if choices else set()
    if text and choices is not None and text not in names:
        raise Problem(
            ProblemCode.BAD_REQUEST,
            reason=translate(
                "'%(value)s' is not a choice of the question '%(name)s'", value=text, name=xpath
            ),
        )
    return ColumnFilter(
        xpath=xpath,
        contains=text if choices is None else None,
        choices=(text,) if text and choices is not None else None,
        multiple=field.is_multiple,
        low=_bound(field.data_type, xpath, given.get("min")),
        high=_bound(field.data_type, xpath, given.get("max")),
    )


def _bound(data_type: DataType, xpath: str, text: str | None) -> date | Decimal | None:
    if text is None:
        return None
    try:
        if data_type in NUMBERS:
            number = Decimal(text)
            if number.is_finite():
                return number
        elif data_type in DATES:
            return date.fromisoformat(text)
    except (InvalidOperation, ValueError):
        pass
    raise Problem(
        ProblemCode.BAD_REQUEST,
        reason=translate(
            "'%(value)s' is not a number or a date the question '%(name)s' can be filtered by",
            value=text,
            name=xpath,
        ),
    )


def _page_size(web: Web) -> tuple[int, int]:
    number = max(whole_number(web.query("page")) or 1, 1)
    size = whole_number(web.query("size")) or 50
    return number, size if size in PAGE_SIZES else 50


def table(web: Web) -> Response:
    form = load_form(web, Permission.SUBMISSION_READ)
    schema = current_schema(web, form)
    questions = root_questions(schema)
    filters = replace(
        read_filters(web, schema), columns=read_column_filters(web, schema, questions)
    )
    shown, chose = shown_columns(web, form.id, schema, questions)
    sort = read_sort(web, questions)
    descending = web.query("order", "desc") != "asc"
    number, size = _page_size(web)
    with transaction(web.state.engine, read_only=True) as connection:
        data = FormData(connection, form.id)
        rows, total = data.page(
            connection,
            filters,
            [x for x, _ in shown],
            sort=sort,
            descending=descending,
            limit=size,
            offset=(number - 1) * size,
        )
        people = submitters(connection, form.id)
    # PostgreSQL: the index this sort or search wants, made once in the background.
    request_indexes(web.state.engine, wanted_indexes(data, filters, sort))
    params = {k: v for k, v in web.request.query_params.items() if k != "page"}
    labels = choice_labels(schema, [x for x, _ in shown])
    return web.render(
        "submissions.html",
        form=form,
        names_shown=names_shown(schema),
        lines=[(row, table_cells(row.answers, labels)) for row in rows],
        total=total,
        shown=shown,
        chose=chose,
        inputs=column_inputs(schema, shown),
        questions=questions,
        has_images=bool(_images(schema, questions)),
        people=people,
        states=STATE_NAMES,
        reviewable=REVIEWABLE,
        filters=web.request.query_params,
        sort=sort,
        descending=descending,
        page_number=number,
        pages=max(1, -(-total // size)),
        size=size,
        sizes=PAGE_SIZES,
        query=lambda **changes: "?" + urlencode({**params, **changes}),
        can_review=web.caller.can(Permission.SUBMISSION_REVIEW, form.project_id),
        withheld=withheld(web, form),
        crumbs=crumbs(web, form, (translate("Submissions"), None)),
    )


def save_columns(web: Web) -> Response:
    """The column chooser's form (works without JavaScript): the questions ticked, in the
    form's order, or `reset` for the default."""
    form = load_form(web, Permission.SUBMISSION_READ)
    questions = root_questions(current_schema(web, form))
    known = dict(questions)
    ticked = web.fields("column")
    for xpath in ticked:
        if xpath not in known:
            raise Problem(
                ProblemCode.BAD_REQUEST,
                reason=translate("no question '%(name)s' in this form", name=xpath),
            )
    back = web.field("back") if web.field("back").startswith("?") else ""
    with transaction(web.state.engine) as connection:
        if web.field("reset") or not ticked:
            forget_columns(connection, web.actor.id, form.id)
        else:
            order = [x for x, _ in questions if x in set(ticked)]
            choose_columns(connection, web.actor.id, form.id, order, web.state.clock())
    return web.redirect(form_url(form) + "/submissions" + back, "Columns saved.")


def _images(schema: FormSchema, questions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(x, label) for x, label in questions if (f := schema.field(x)) and f.kind == "image"]


def gallery(web: Web) -> Response:
    """The photos of the form's root-level image questions, newest submissions first, each
    linking to its submission; the images come from the attachment route (safe headers)."""
    form = load_form(web, Permission.SUBMISSION_READ)
    schema = current_schema(web, form)
    questions = root_questions(schema)
    images = _images(schema, questions)
    filters = replace(
        read_filters(web, schema),
        columns=read_column_filters(web, schema, questions),
        answered=tuple(x for x, _ in images),
    )
    number = max(whole_number(web.query("page")) or 1, 1)
    rows: list[SubmissionRow] = []
    total = 0
    if images:
        with transaction(web.state.engine, read_only=True) as connection:
            rows, total = FormData(connection, form.id).page(
                connection,
                filters,
                [x for x, _ in images],
                limit=GALLERY_SIZE,
                offset=(number - 1) * GALLERY_SIZE,
            )
    params = {k: v for k, v in web.request.query_params.items() if k != "page"}
    return web.render(
        "submissions_gallery.html",
        form=form,
        names_shown=names_shown(schema),
        images=images,
        rows=rows,
        total=total,
        page_number=number,
        pages=max(1, -(-total // GALLERY_SIZE)),
        query=lambda **changes: "?" + urlencode({**params, **changes}),
        withheld=withheld(web, form),
        crumbs=crumbs(
            web,
            form,
            (translate("Submissions"), form_url(form) + "/submissions"),
            (translate("Photos"), None),
        ),
    )


ROUTES = [
    Route(FORM + "/submissions", page(table), methods=["GET"]),
    # Before the submission pages' `{instance_id:path}` routes (a POST there needs /review).
    Route(FORM + "/submissions/columns", page(save_columns), methods=["POST"]),
    Route(FORM + "/gallery", page(gallery), methods=["GET"]),
]
