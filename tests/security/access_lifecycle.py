"""Recipes of the access matrix for delete, restore and erase (issue 18): each call destroys a
throwaway object of its own, never the world's."""

from __future__ import annotations

from tests.security.access_world import Person, World, form_md, multipart, visit_xml


def fresh_submission(w: World, who: Person) -> dict:
    instance = f"uuid:trash-{w.next()}"
    w.api("POST", f"/v1/projects/{w.project}/submission", files=multipart(visit_xml(instance)))
    return {"params": {"instance_id": instance, "form_id": "visit"}}


def deleted_submission(w: World, who: Person) -> dict:
    made = fresh_submission(w, who)
    instance = made["params"]["instance_id"]
    w.api("DELETE", f"/v1/projects/{w.project}/forms/visit/submissions/{instance}")
    return made


def fresh_form(w: World, who: Person) -> dict:
    form_id = f"bin{w.next()}"
    w.api(
        "POST",
        f"/v1/projects/{w.project}/forms?publish=true&ignoreWarnings=true",
        content=form_md(form_id, "1"),
        headers={"Content-Type": "text/markdown"},
    )
    return {"params": {"form_id": form_id}}


def deleted_form(w: World, who: Person) -> dict:
    form_id = fresh_form(w, who)["params"]["form_id"]
    p = f"/v1/projects/{w.project}/forms"
    w.api("DELETE", f"{p}/{form_id}")
    trash = w.client.get(f"{p}?deleted=true", headers=w.admin).json()
    return {"params": {"id": next(f["id"] for f in trash if f["xmlFormId"] == form_id)}}


def deleted_app_user(w: World, who: Person) -> dict:
    """A lost tablet's app user, deleted: in the trash, restorable with a new token."""
    p = f"/v1/projects/{w.project}/app-users"
    actor_id = w.api("POST", p, json={"displayName": "lost"}).json()["id"]
    w.api("DELETE", f"{p}/{actor_id}")
    return {"params": {"actor_id": actor_id}}


def fresh_project(w: World, who: Person) -> dict:
    """A project of its own: only an administrator holds a role in it, so the managers of the
    world's project are refused there (a project's manager may delete it: tests/server)."""
    made = w.api("POST", "/v1/projects", json={"name": f"bin {w.next()}"})
    return {"params": {"project_id": made.json()["id"]}}


def deleted_form_restore(w: World, who: Person) -> dict:
    """The web trash's undo of a deleted form."""
    return {"data": {"kind": "form", "id": str(deleted_form(w, who)["params"]["id"])}}


def fresh_person(w: World, who: Person) -> dict:
    """A returnee of their own to erase, with the reason the page asks for."""
    created = w.api(
        "POST", f"/v1/projects/{w.project}/datasets/returnees/entities", json={"label": "x"}
    )
    return {"params": {"uuid": created.json()["uuid"]}, "data": {"reason": "asked"}}


def deleted_project_restore(w: World, who: Person) -> dict:
    made = fresh_project(w, who)["params"]["project_id"]
    w.api("DELETE", f"/v1/projects/{made}")
    return {"data": {"id": str(made)}}
