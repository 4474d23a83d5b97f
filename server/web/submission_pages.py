"""Project managers' pages: the submissions table (paged, sorted, filtered), one submission
(answers with labels, photos, location, files present or missing, edit history), review
states with comments, and bulk review."""

from __future__ import annotations

from dataclasses import replace
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
from server.web.review_pages import activity, table_query
from server.web.submission_changes import changes
from storage.accounts.access import load_actor
from storage.db import transaction
from storage.entities.approval import approve_submission
from storage.forms.versions import FormRecord, get_xform
from storage.submissions.activity import review_changes
from storage.submissions.listing import REVIEW_STATES, SORTS, FormData, TableFilters
from storage.submissions.neighbours import Neighbours, neighbours
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


def names_shown(schema: FormSchema) -> bool:
    """Whether pages may show submissions' instance names to a caller who sees `schema` (from
    current_schema): not when the form has none the caller may read, as when it is computed
    from a sensitive answer (server/sensitive.py name_hidden)."""
    return any(f.kind == "instanceName" for f in schema.fields)


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
        raise Problem(
            ProblemCode.BAD_REQUEST,
            reason=translate("no question '%(name)s' in this form", name=question),
        )
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
    """Every root-level field with a column, metadata and calculations included: each may be
    shown, sorted and filtered on (the table's default leaves metadata out)."""
    language = form_language(schema, current_language())
    return [
        (f.xpath, label_of(f.labels, language, f.name))
        for f in schema.fields
        if f.repeat is None and f.has_column
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


def table_cells(answers: tuple[object, ...], labels: list[dict[str, str]]) -> list[object]:
    cells: list[object] = []
    for value, names in zip(answers, labels, strict=True):
        if value is None:
            cells.append("")
        elif names and isinstance(value, str):
            cells.append(", ".join(names.get(v, v) for v in value.split()))
        else:
            cells.append(value)
    return cells


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


def one(web: Web, *, status: int = 200, review_error: str = "") -> Response:
    """The submission's page: the answers, and beside them the review panel (previous and next
    in the table the person came from, the review form, the activity feed). After a refused
    review, the reason is by the review fields and the comment typed is kept (`review_error`)."""
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
        reviews = review_changes(connection, form.xml_form_id, instance_id, submission.created_at)
        comments = list_comments(connection, submission.id)
        feed = activity(connection, reviews, comments, versions, edits)
        around = _neighbours(web, connection, form, schema, instance_id)
    with transaction(web.state.engine) as connection:  # who looked at which record
        web.audit(
            connection,
            "submission.view",
            "submission",
            instance_id,
            {"form": form.xml_form_id, "via": "web"},
        )
    present = {f.name for f in files if f.blob_sha256}
    back = _table_query(web)
    shown_name = submission.current.instance_name if names_shown(schema) else None
    return web.render(
        "submission.html",
        shown_name=shown_name,
        status=status,
        review_error=review_error,
        typed_comment=web.field("comment") if review_error else "",
        form=form,
        submission=submission,
        answers=answers_page(web, schema, xml, language),
        files=files,
        max_files=MAX_FILES,
        present=present,
        api="/v1" + submission_url(form, instance_id),
        page_url=submission_url(form, instance_id),
        back=back,
        table_url=form_url(form) + "/submissions" + back,
        previous_url=submission_url(form, around.previous) + back if around.previous else None,
        next_url=submission_url(form, around.next) + back if around.next else None,
        versions=versions,
        edits=edits,
        feed=feed,
        can_edit=may_edit(web, form, submission),
        version_submitters={k: (v.display_name if v else "") for k, v in names.items()},
        submitter=submitter,
        states=STATE_NAMES,
        reviewable=REVIEWABLE,
        can_review=web.caller.can(Permission.SUBMISSION_REVIEW, form.project_id),
        crumbs=crumbs(
            web,
            form,
            (translate("Submissions"), form_url(form) + "/submissions" + back),
            (shown_name or instance_id, None),
        ),
    )


def _table_query(web: Web) -> str:
    """The query of the table the page was opened from ("?state=received&sort=..."), carried
    on to the previous and next submissions, the review form and back to the table."""
    kept = table_query(web.request.query_params.multi_items())
    return "?" + urlencode(kept) if kept else ""


def _neighbours(
    web: Web, connection: Connection, form: FormRecord, schema: FormSchema, instance_id: str
) -> Neighbours:
    """Previous and next in the table's filter and sort; a link whose filter no longer
    applies (a question since removed from the form) gives the whole table's."""
    # The table's module builds on this one: imported here, when both are loaded.
    from server.web.submission_table_pages import read_column_filters

    questions = root_questions(schema)
    try:
        filters = replace(
            read_filters(web, schema), columns=read_column_filters(web, schema, questions)
        )
        sort = read_sort(web, questions)
    except Problem:
        filters, sort = TableFilters(), "submitted"
    descending = web.query("order", "desc") != "asc"
    data = FormData(connection, form.id)
    return neighbours(connection, data, filters, instance_id, sort=sort, descending=descending)


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
    """Save a review state and/or a comment, then back to the same place on the same page, or
    on to the next submission of the table ("Save and next", `then=next`)."""
    form = load_form(web, Permission.SUBMISSION_REVIEW)
    instance_id = web.request.path_params["instance_id"]
    state, note = web.field("state"), web.field("comment")
    if state and state not in REVIEWABLE:
        return one(web, status=400, review_error=translate("Choose one of the review states."))
    if not state and not note:
        # Not a dead end: the same page, the reason next to the review fields.
        return one(
            web,
            status=400,
            review_error=translate(
                "Nothing to save: choose a review state or write a comment, then save again."
            ),
        )
    schema = current_schema(web, form) if web.field("then") == "next" else None
    following = None
    with transaction(web.state.engine) as connection:
        submission = get_submission(connection, form.id, instance_id)
        if schema is not None:  # the next one as the person saw the table, before this save
            following = _neighbours(web, connection, form, schema, instance_id).next
        if state and state != submission.review_state:  # an unchanged state is no change
            _set_review_state(web, connection, form, instance_id, state)
        if note:
            add_comment(connection, submission.id, web.actor.id, note, web.state.clock())
    back = _table_query(web)
    if following is not None:
        return web.redirect(submission_url(form, following) + back, "Review saved.")
    if schema is not None:
        return web.redirect(
            submission_url(form, instance_id) + back + "#review",
            "Review saved. This was the last submission of the table.",
        )
    return web.redirect(submission_url(form, instance_id) + back + "#review", "Review saved.")


def submission_url(form: FormRecord, instance_id: str) -> str:
    return f"{form_url(form)}/submissions/{segment(instance_id)}"


def _set_review_state(
    web: Web, connection: Connection, form: FormRecord, instance_id: str, state: str
) -> None:
    submission = get_submission(connection, form.id, instance_id)
    set_review_state(connection, submission.id, state, web.state.clock())
    details: dict[str, object] = {"reviewState": state, "formId": form.xml_form_id}  # as REST
    web.audit(connection, "submission.update", "submission", instance_id, details)
    if state == "approved":  # Central: approval creates what approvalRequired held
        actor = web.caller.actor
        approve_submission(
            connection, submission.id, web.state.clock(), actor.id if actor else None
        )


ROUTES = [
    # The table itself (GET .../submissions): server/web/submission_table_pages.py.
    Route(FORM + "/submissions/review", page(bulk_review), methods=["POST"]),
    # An instanceID may hold "/" (`uuid:a/b`, linked as uuid:a%2Fb, which the server decodes
    # before routing): `path` takes it whole. POST .../review and the bulk review above are
    # told apart by method and order, so neither is shadowed.
    Route(FORM + "/submissions/{instance_id:path}", page(one), methods=["GET"]),
    Route(FORM + "/submissions/{instance_id:path}/review", page(review), methods=["POST"]),
]
