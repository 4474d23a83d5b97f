"""Project managers' pages: the submissions table (paged, sorted, filtered), one submission
(answers with labels, photos, location, files present or missing, edit history), review
states with comments, and bulk review."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from sqlalchemy.engine import Connection
from starlette.responses import Response
from starlette.routing import Route

from converters.form_logic import form_language, label_of
from converters.form_model import FormSchema
from converters.xform_schema import parse_xform
from server.auth import Permission
from server.errors import Problem, ProblemCode
from server.exports.form_data import hidden_xpaths, without_hidden
from server.web.form_pages import FORM, crumbs, form_url, load_form
from server.web.http import Web, page
from server.web.params import whole_number
from server.web.render import N_, current_language, segment, translate
from server.web.repeat_windows import answers_page
from server.web.submission_changes import changes
from storage.accounts.access import load_actor
from storage.db import transaction
from storage.entities.approval import approve_submission
from storage.forms.versions import FormRecord, get_xform
from storage.submissions.listing import REVIEW_STATES, SORTS, FormData, TableFilters, submitters
from storage.submissions.queries import (
    SubmissionRecord,
    add_comment,
    get_submission,
    get_xml,
    list_attachments,
    list_comments,
    list_versions,
    set_review_state,
)

PAGE_SIZES = (10, 50, 100, 250)  # rows per page; 50 unless asked
SHOWN_QUESTIONS = 6
MAX_FILES = 200  # files listed on a submission's page; the API lists them all
MAX_DIFFS = 20  # edits whose changes the page lists (the API has every version)
REVIEWABLE = ("approved", "hasIssues", "rejected")
STATE_NAMES = {
    "received": N_("Received"),
    "hasIssues": N_("Has issues"),
    "edited": N_("Edited"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
}


def current_schema(web: Web, form: FormRecord) -> FormSchema:
    """The published form as the caller may see it: without its sensitive fields for roles
    that may not read them."""
    if form.current_version_id is None:
        raise Problem(ProblemCode.NOT_FOUND)
    with transaction(web.state.engine, read_only=True) as connection:
        schema = parse_xform(get_xform(connection, form.current_version_id).encode("utf-8"))
        return without_hidden(schema, hidden_xpaths(connection, form, web.caller))


def read_filters(web: Web, schema: FormSchema) -> TableFilters:
    """The table's filters from the query. A question the caller may not see (a sensitive one,
    for roles that may not read them) is refused as one the form does not have, so that the
    answer tells nothing about it: filtering, like sorting, would reveal its values."""

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(web.query(name)) if web.query(name) else None
        except ValueError as error:
            raise Problem(ProblemCode.BAD_REQUEST, reason=f"{name}: {error}") from error

    submitter = web.query("submitter")
    state = web.query("state")
    question = web.query("question")
    answer = web.query("answer")
    field = schema.field(question) if question else None
    if state and state not in REVIEW_STATES:
        raise Problem(ProblemCode.BAD_REQUEST, reason=f"unknown review state '{state}'")
    if question and question not in dict(root_questions(schema)):
        raise Problem(ProblemCode.BAD_REQUEST, reason=f"no question '{question}' in this form")
    if submitter and whole_number(submitter) is None:
        raise Problem(ProblemCode.BAD_REQUEST, reason=f"no enumerator '{submitter}'")
    return TableFilters(
        submitted_from=day("from"),
        submitted_to=day("to"),
        submitter_id=whole_number(submitter),
        review_state=state or None,
        question=question or None,
        answer=answer or None,
        choices=_matching_choices(schema, question, answer),
        multiple=bool(field and field.is_multiple),
        # No question chosen: every text question the caller may see (names, places, notes).
        anywhere=tuple(
            f.xpath for f in schema.fields if f.repeat is None and f.has_column and f.kind == "text"
        )
        if answer and not question
        else (),
    )


def _matching_choices(schema: FormSchema, xpath: str, text: str) -> tuple[str, ...] | None:
    """For a select question, the choices whose name or label (in any language) contains the
    text: people type what they read ("Nourriture"), the tables hold names ("food")."""
    field = schema.field(xpath) if xpath and text else None
    choices = schema.choice_lists.get(field.choice_list or "") if field else None
    if choices is None:
        return None
    wanted = text.casefold()
    return tuple(
        c.name
        for c in choices.choices
        if wanted in c.name.casefold()
        or any(wanted in label.casefold() for label in c.labels.values())
    )


def read_sort(web: Web, questions: list[tuple[str, str]]) -> str:
    """The column the table is sorted by: one it shows or could show. Any other (a hidden
    question above all, whose order would leak its values) is refused, with the same words
    for a hidden question and one the form does not have."""
    sort = web.query("sort", "submitted")
    if sort not in SORTS and not (sort.startswith("q:") and sort[2:] in dict(questions)):
        raise Problem(
            ProblemCode.BAD_REQUEST,
            reason=translate("the table cannot be sorted by '%(key)s'", key=sort),
        )
    return sort


def root_questions(schema: FormSchema) -> list[tuple[str, str]]:
    language = form_language(schema, current_language())
    return [
        (f.xpath, label_of(f.labels, language, f.name))
        for f in schema.fields
        if f.repeat is None
        and f.has_column
        and f.kind not in ("start", "end", "today", "deviceid", "calculate")
    ]


def choice_labels(schema: FormSchema, xpaths: list[str]) -> list[dict[str, str]]:
    """For each shown question, choice name -> label in the page's language (empty when the
    question is not a select): the table shows "Kayes", not "kayes"."""
    language = form_language(schema, current_language())
    labels = []
    for xpath in xpaths:
        field = schema.field(xpath)
        choices = schema.choice_lists.get(field.choice_list or "") if field else None
        labels.append(
            {c.name: label_of(c.labels, language, c.name) for c in choices.choices}
            if choices
            else {}
        )
    return labels


def _cells(answers: tuple[object, ...], labels: list[dict[str, str]]) -> list[object]:
    cells: list[object] = []
    for value, names in zip(answers, labels, strict=True):
        if value is None:
            cells.append("")
        elif names and isinstance(value, str):
            cells.append(", ".join(names.get(v, v) for v in value.split()))
        else:
            cells.append(value)
    return cells


def table(web: Web) -> Response:
    form = load_form(web, Permission.SUBMISSION_READ)
    schema = current_schema(web, form)
    filters = read_filters(web, schema)
    questions = root_questions(schema)
    shown = questions[:SHOWN_QUESTIONS]
    sort = read_sort(web, questions)
    descending = web.query("order", "desc") != "asc"
    number = max(whole_number(web.query("page")) or 1, 1)
    size = whole_number(web.query("size")) or 50
    if size not in PAGE_SIZES:
        size = 50
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
    params = {k: v for k, v in web.request.query_params.items() if k != "page"}
    labels = choice_labels(schema, [x for x, _ in shown])
    return web.render(
        "submissions.html",
        form=form,
        lines=[(row, _cells(row.answers, labels)) for row in rows],
        total=total,
        shown=shown,
        questions=questions,
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
        crumbs=crumbs(web, form, (translate("Submissions"), None)),
    )


def bulk_review(web: Web) -> Response:
    form = load_form(web, Permission.SUBMISSION_REVIEW)
    state = web.field("state")
    chosen = web.fields("instance")
    if state not in REVIEWABLE:
        raise Problem(ProblemCode.BAD_REQUEST, reason=translate("choose a review state"))
    if not chosen:
        raise Problem(ProblemCode.BAD_REQUEST, reason=translate("select at least one submission"))
    with transaction(web.state.engine) as connection:
        for instance_id in chosen:
            _set_review_state(web, connection, form, instance_id, state)
    back = web.field("back") if web.field("back").startswith("?") else ""
    return web.redirect(form_url(form) + "/submissions" + back, "Review state saved.")


def one(web: Web) -> Response:
    form = load_form(web, Permission.SUBMISSION_READ)
    schema = current_schema(web, form)
    instance_id = web.request.path_params["instance_id"]
    language = form_language(schema, current_language())
    with transaction(web.state.engine, read_only=True) as connection:
        submission = get_submission(connection, form.id, instance_id)
        xml = get_xml(connection, submission.current.id)
        versions = list_versions(connection, submission.id)
        hidden = hidden_xpaths(connection, form, web.caller)
        files = [
            f for f in list_attachments(connection, submission.current.id) if f.xpath not in hidden
        ]
        comments = [
            (c, load_actor(connection, c.actor_id))
            for c in list_comments(connection, submission.id)
        ]
        submitter = (
            load_actor(connection, submission.submitter_id) if submission.submitter_id else None
        )
        names = {
            v.submitter_id: load_actor(connection, v.submitter_id)
            for v in versions
            if v.submitter_id
        }
        # What each edit changed, for the newest edits (each reads two XML versions).
        xmls = [get_xml(connection, v.id) for v in versions[: MAX_DIFFS + 1]]
    edits = {
        newer.id: changes(schema, xmls[index + 1], xmls[index], hidden, language)
        for index, newer in enumerate(versions[: len(xmls) - 1])
    }
    with transaction(web.state.engine) as connection:  # who looked at which record
        web.audit(
            connection,
            "submission.view",
            "submission",
            instance_id,
            {"form": form.xml_form_id, "via": "web"},
        )
    present = {f.name for f in files if f.blob_sha256}
    return web.render(
        "submission.html",
        form=form,
        submission=submission,
        answers=answers_page(web, schema, xml, language),
        files=files,
        max_files=MAX_FILES,
        present=present,
        api="/v1" + submission_url(form, instance_id),
        page_url=submission_url(form, instance_id),
        versions=versions,
        edits=edits,
        can_edit=may_edit(web, form, submission),
        version_submitters={k: (v.display_name if v else "") for k, v in names.items()},
        submitter=submitter,
        comments=comments,
        states=STATE_NAMES,
        reviewable=REVIEWABLE,
        can_review=web.caller.can(Permission.SUBMISSION_REVIEW, form.project_id),
        crumbs=crumbs(
            web,
            form,
            (translate("Submissions"), form_url(form) + "/submissions"),
            (submission.current.instance_name or instance_id, None),
        ),
    )


def may_edit(web: Web, form: FormRecord, submission: SubmissionRecord) -> bool:
    """Whether the page offers to edit: a role that may update submissions, or its sender (the
    edit page and intake check again)."""
    if web.caller.can(Permission.SUBMISSION_UPDATE, form.project_id, form.id):
        return True
    actor = web.caller.actor
    return (
        actor is not None
        and submission.submitter_id == actor.id
        and web.caller.can(Permission.SUBMISSION_CREATE, form.project_id, form.id)
    )


def review(web: Web) -> Response:
    form = load_form(web, Permission.SUBMISSION_REVIEW)
    instance_id = web.request.path_params["instance_id"]
    state, note = web.field("state"), web.field("comment")
    if state and state not in REVIEWABLE:
        raise Problem(ProblemCode.BAD_REQUEST, reason=translate("choose a review state"))
    if not state and not note:
        raise Problem(
            ProblemCode.BAD_REQUEST,
            reason=translate("choose a review state or write a comment"),
        )
    with transaction(web.state.engine) as connection:
        submission = get_submission(connection, form.id, instance_id)
        if state:
            _set_review_state(web, connection, form, instance_id, state)
        if note:
            add_comment(connection, submission.id, web.actor.id, note, web.state.clock())
    return web.redirect(submission_url(form, instance_id), "Review saved.")


def submission_url(form: FormRecord, instance_id: str) -> str:
    return f"{form_url(form)}/submissions/{segment(instance_id)}"


def _set_review_state(
    web: Web, connection: Connection, form: FormRecord, instance_id: str, state: str
) -> None:
    submission = get_submission(connection, form.id, instance_id)
    set_review_state(connection, submission.id, state, web.state.clock())
    web.audit(connection, "submission.update", "submission", instance_id, {"reviewState": state})
    if state == "approved":  # Central: approval creates what approvalRequired held
        actor = web.caller.actor
        approve_submission(
            connection, submission.id, web.state.clock(), actor.id if actor else None
        )


ROUTES = [
    Route(FORM + "/submissions", page(table), methods=["GET"]),
    Route(FORM + "/submissions/review", page(bulk_review), methods=["POST"]),
    # An instanceID may hold "/" (`uuid:a/b`, linked as uuid:a%2Fb, which the server decodes
    # before routing): `path` takes it whole. POST .../review and the bulk review above are
    # told apart by method and order, so neither is shadowed.
    Route(FORM + "/submissions/{instance_id:path}", page(one), methods=["GET"]),
    Route(FORM + "/submissions/{instance_id:path}/review", page(review), methods=["POST"]),
]
