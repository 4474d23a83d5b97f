"""Recipes of the access matrix for the account routes (issue 19): a throwaway user for what a
call destroys, a fresh reset token for what uses one up, a second session of one's own to end."""

from __future__ import annotations

from tests.security.access_world import World

Person = object  # the matrix passes an access_world.Person; only its fields are read


def throwaway_user(w: World, who) -> dict:
    """A user made for this call (deactivated or deleted by it)."""
    made = w.api("POST", "/v1/users", json={"email": f"leaver{w.next()}@example.org"})
    return {"params": {"user_id": made.json()["id"]}}


def _reset_token(w: World) -> str:
    email = f"reset{w.next()}@example.org"
    w.api("POST", "/v1/users", json={"email": email})
    link = w.api("POST", "/v1/users/reset/initiate", json={"email": email}).json()["resetLink"]
    return link.partition("token=")[2]


def reset_verify(w: World, who) -> dict:
    """Central sends the reset token as the bearer token: a caller who sends their own session
    token instead is refused (401), which the rule allows as its answer."""
    token = _reset_token(w)
    return {"json": {"new": "matrix reset phrase"}, "headers": {"Authorization": f"Bearer {token}"}}


def reset_page(w: World, who) -> dict:
    return {"data": {"token": _reset_token(w), "new": "matrix reset phrase"}}


def own_second_session(w: World, who) -> dict:
    """Another session of the caller's own, ended by the call (none for app users)."""
    fresh = w.fresh(who)
    return {"params": {"token": fresh.bearer or "no-session-at-all"}}


def wrong_current_password(w: World, who) -> dict:
    """Allowed callers get as far as the password check (401), which changes nothing."""
    return {"json": {"old": "not the password", "new": "matrix new phrase"}}


def cookie(w: World, who) -> dict:
    """GET /v1/sessions/restore reads the web interface's cookie (none: 404, as Central)."""
    return {"headers": {"Cookie": f"baobab_session={who.cookie}"}} if who.cookie else {}
