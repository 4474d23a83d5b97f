"""The eligibility review in the web interface: the queue of likely duplicate registrations
(what agrees and what differs for each pair) and the decision page, where a protection officer
sees both registrations side by side, each difference highlighted, with links to both intakes
and cases, and decides "same person", "different people" or "not sure" (keyboard: S, D, N;
then the next pair). A manager can undo "same person"."""

from __future__ import annotations

from dataclasses import replace

from starlette.responses import Response
from starlette.routing import Route

from programmes.returnees.server.duplicate_check import load_rules
from programmes.returnees.server.duplicate_view import pair_view
from programmes.returnees.storage.duplicate_merges import merge_of_flag, undo_merge
from programmes.returnees.storage.duplicate_pairs import get_flag, next_flag, registration
from programmes.returnees.storage.duplicates import decide, list_flags
from programmes.returnees.web.case_pages import labels_of
from server.auth import Permission
from server.errors import Problem, ProblemCode
from server.web.entity_list_pages import LIST, list_url, trail
from server.web.http import Web, page
from server.web.render import N_, translate
from storage.db import transaction
from storage.entities.lists import get_list

STATUSES = {
    "open": N_("open"),
    "unsure": N_("not sure"),
    "duplicate": N_("same person"),
    "distinct": N_("different people"),
}
REASONS = (N_("name"), N_("birth date"), N_("phone"), N_("document"))  # shown with _(reason)
DETAILS = {
    "names": N_("Names"),
    "birth": N_("Date of birth"),
    "phone": N_("Phone"),
    "document": N_("Identity document"),
    "region": N_("Region of return"),
    "arrival": N_("Date of return"),
}
PAGE_SIZE = 50
REGION = "region"  # the detail and the list's property, a select's choice name


def queue(web: Web) -> Response:
    """The review queue of likely duplicate registrations (eligibility review)."""
    project_id = web.path_int("project_id")
    web.require(Permission.SUBMISSION_REVIEW, project_id)
    name = web.request.path_params["name"]
    if web.request.method == "POST":  # a decision from the queue itself
        field = web.field("flag")
        _decide(web, project_id, name, int(field) if field.isdigit() else 0)
        return web.redirect(f"{list_url(project_id, name)}/duplicates", "Decision saved.")
    status = web.query("status", "open")
    chosen = status if status in STATUSES else "open"
    with transaction(web.state.engine, read_only=True) as connection:
        entity_list = get_list(connection, project_id, name)
        flags, total = list_flags(connection, entity_list.id, status=chosen, limit=PAGE_SIZE)
    return web.render(
        "duplicates.html",
        project_id=project_id,
        entity_list=entity_list,
        flags=flags,
        total=total,
        shown=len(flags),
        chosen=chosen,
        statuses=STATUSES,
        base=f"{list_url(project_id, name)}/duplicates",
        crumbs=trail(
            web,
            project_id,
            (name, list_url(project_id, name)),
            (translate("Possible duplicates"), None),
        ),
    )


def pair(web: Web) -> Response:
    """One pair side by side; POST decides it and goes on to the next pair."""
    project_id = web.path_int("project_id")
    web.require(Permission.SUBMISSION_REVIEW, project_id)
    name, flag_id = web.request.path_params["name"], web.path_int("flag_id")
    base = f"{list_url(project_id, name)}/duplicates"
    if web.request.method == "POST":
        following = _decide(web, project_id, name, flag_id)
        if following is None:
            return web.redirect(base, "Decision saved. Nothing left to review.")
        return web.redirect(f"{base}/{following}", "Decision saved.")
    rules = load_rules(web.state.settings.forms_dir)  # as the intake reads them
    with transaction(web.state.engine, read_only=True) as connection:
        entity_list = get_list(connection, project_id, name)
        flag = get_flag(connection, entity_list.id, flag_id)
        new = registration(connection, entity_list.id, flag.entity_uuid)
        old = registration(connection, entity_list.id, flag.candidate_uuid)
        view = pair_view(connection, rules, new, old)
        labels = labels_of(connection, entity_list)
        view = replace(  # the region as its choice's label: "Ségou", not `segou`
            view,
            details=[
                replace(d, left=labels.value(REGION, d.left), right=labels.value(REGION, d.right))
                if d.key == REGION
                else d
                for d in view.details
            ],
        )
        following = next_flag(connection, entity_list.id, flag)
        merged = merge_of_flag(connection, flag.id)
    return web.render(
        "duplicate_pair.html",
        project_id=project_id,
        entity_list=entity_list,
        flag=flag,
        view=view,
        details=DETAILS,
        statuses=STATUSES,
        following=following,
        merged=merged,
        base=base,
        may_see_photo=web.caller.can(Permission.SENSITIVE_READ, project_id),
        may_undo=web.caller.can(Permission.PROJECT_MANAGE, project_id),
        crumbs=trail(
            web,
            project_id,
            (name, list_url(project_id, name)),
            (translate("Possible duplicates"), base),
            (translate("Pair %(number)s", number=flag.id), None),
        ),
    )


def undo(web: Web) -> Response:
    """A manager undoes "same person": the closed registration reopened, the pair open."""
    project_id = web.path_int("project_id")
    web.require(Permission.PROJECT_MANAGE, project_id)
    name, flag_id = web.request.path_params["name"], web.path_int("flag_id")
    with transaction(web.state.engine) as connection:
        entity_list = get_list(connection, project_id, name)
        undo_merge(connection, entity_list.id, flag_id, web.actor.id, web.state.clock())
    return web.redirect(
        f"{list_url(project_id, name)}/duplicates/{flag_id}", "Merge undone: the pair is open."
    )


def _decide(web: Web, project_id: int, name: str, flag_id: int) -> int | None:
    """Record the posted decision; the next open pair, if any."""
    decision = web.field("decision")
    if decision not in ("duplicate", "distinct", "unsure"):
        raise Problem(
            ProblemCode.BAD_REQUEST,
            reason=translate("choose same person, different people or not sure"),
        )
    with transaction(web.state.engine) as connection:
        entity_list = get_list(connection, project_id, name)
        decided = decide(
            connection,
            entity_list.id,
            flag_id,
            decision,
            web.actor.id,
            web.field("note") or None,
            web.state.clock(),
        )
        web.audit(
            connection,
            "entity.duplicate.decide",
            "entity",
            decided.entity_uuid,
            {"candidate": decided.candidate_uuid, "decision": decided.status, "via": "web"},
        )
        return next_flag(connection, entity_list.id, decided)


ROUTES = [
    Route(LIST + "/duplicates", page(queue), methods=["GET", "POST"]),
    Route(LIST + "/duplicates/{flag_id:id}", page(pair), methods=["GET", "POST"]),
    Route(LIST + "/duplicates/{flag_id:id}/undo", page(undo), methods=["POST"]),
]
