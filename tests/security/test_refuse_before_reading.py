"""Refuse before reading: every route that takes a body checks the caller (and, in the API, the
right the body is for) before the first byte of the body is read; slow bodies time out with a
clear 408 while no database connection is held."""

from __future__ import annotations

import select
import socket
import time
from dataclasses import replace
from urllib.parse import urlsplit

import httpx
import pytest

from server.app import create_app
from tests.reliability.collect_device import set_up_field
from tests.security.access_rules import RULES, fill, params_for
from tests.security.access_world import (
    ANON,
    APP_NONE,
    APP_OTHER,
    FORGED_KEY,
    OPENROSA,
    OUTSIDER,
    ROLES,
    Person,
    build_world,
)
from tests.security.streaming import stream_chunked
from tests.support.accounts import PASSWORDS
from tests.support.paths import sample
from tests.support.servers import serve

BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
FORGED = Person("forged key", key=FORGED_KEY)
STALE = Person("stale bearer", bearer="s" * 64, cookie="s" * 64)
# Web pages read a post once its sender is signed in with a role in the page's project (the
# page then checks the precise right); those without one are refused unread.
WEB_STRANGERS = frozenset({ANON, APP_OTHER, APP_NONE, "app_user", OUTSIDER})


class Body:
    """A request body that records whether the server started reading it."""

    def __init__(self) -> None:
        self.touched = False

    def __iter__(self):
        self.touched = True
        yield b"<data>" + b"x" * 10_000


def send(world, person: Person, method: str, url: str, body: Body):
    headers = {"Content-Type": "application/octet-stream"}
    if url.startswith("/v1/"):
        headers.update(OPENROSA)
        if person.key:
            url = f"/v1/key/{person.key}/" + url[len("/v1/") :]
        if person.bearer:
            headers["Authorization"] = f"Bearer {person.bearer}"
    else:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        if person.cookie:
            headers["Cookie"] = f"baobab_session={person.cookie}"
    try:
        return world.client.request(
            method, url, headers=headers, content=body, follow_redirects=False
        )
    finally:
        world.client.cookies.clear()


def refused(response, web: bool) -> bool:
    if web:
        return response.status_code == 403 or (
            response.status_code == 303 and response.headers["location"].startswith("/login")
        )
    return response.status_code in (401, 403, 404)


@pytest.mark.programme
def test_no_route_reads_a_body_its_caller_may_not_send(client, engine, clock):
    world = build_world(client, engine, clock)
    checked, failures = 0, []
    for rule in RULES:
        if rule.methods not in BODY_METHODS:
            continue
        web = not rule.path.startswith("/v1/")
        denied = [world.people[r] for r in ROLES if r not in rule.allowed]
        if web:
            denied = [p for p in denied if p.role in WEB_STRANGERS]
        strangers = [] if rule.allowed >= set(ROLES) else [FORGED, STALE]  # not on sign-in
        for person in [*denied, *strangers]:
            params = params_for(world, rule.path, person)
            if rule.recipe is not None:  # the object the matrix refuses this caller, e.g. a
                params.update(rule.recipe(world, person).get("params", {}))  # fresh project
            url = fill(rule.path, params)
            body = Body()
            response = send(world, person, rule.methods, url, body)
            checked += 1
            if body.touched or not refused(response, web):
                failures.append(
                    f"{rule.methods} {rule.path} as {person.role}: {response.status_code}, "
                    f"body {'read' if body.touched else 'unread'}"
                )
    print(f"\nrefused unread: {checked} (route, caller) cells over body routes")
    assert checked > 300
    assert not failures, "\n".join(failures)


def test_an_allowed_caller_still_gets_its_body_read(device):
    """The check is not a wall: a device that may submit is read and stored as before."""
    assert device.submit(sample("simple.xml")).status_code == 201


@pytest.mark.parametrize(
    "credentials",
    [
        {"path": "/v1/key/" + FORGED_KEY + "/projects/{p}/submission"},
        {"path": "/v1/projects/{p}/submission", "Authorization": "Bearer " + "b" * 64},
        {"path": "/v1/projects/{p}/submission?st=" + FORGED_KEY},
        {"path": "/v1/projects/{p}/submission"},
    ],
    ids=["forged key", "stale bearer", "forged st", "no credentials"],
)
def test_a_60_mb_submission_from_a_forged_caller_is_refused_before_it_is_read(
    live, project, credentials
):
    credentials = dict(credentials)
    path = credentials.pop("path").format(p=project)
    started = time.perf_counter()
    status, _body, sent = stream_chunked(
        live,
        path,
        {**OPENROSA, "Content-Type": "multipart/form-data; boundary=b", **credentials},
        b"--b\r\n",
        total=60_000_000,
    )
    elapsed = time.perf_counter() - started
    print(f"\n{path[:40]}: {status} after {sent:,} of 60,000,000 bytes in {elapsed * 1000:.0f} ms")
    assert status in (401, 403)
    # The server answered without reading: what left the client is what the sockets' buffers
    # took before the answer came back, far from the whole body.
    assert sent < 20_000_000


@pytest.fixture
def impatient(settings, engine, clock):
    """A live server that drops a body pausing for more than 4 s, with a device set up."""
    app = create_app(replace(settings, body_timeout=4), clock=clock, passwords=PASSWORDS)
    with serve(app) as url:
        yield set_up_field(url, engine)


def test_bodies_that_stop_arriving_get_408_while_the_server_serves_others(impatient, engine):
    """More stalled uploads than the database pool has connections (30): none holds one, so a
    device's submission goes through while they wait, and each then gets a clear 408."""
    url = urlsplit(impatient.url)
    head = (
        f"POST {urlsplit(impatient.collect).path}/submission HTTP/1.1\r\n"
        f"Host: {url.netloc}\r\nX-OpenRosa-Version: 1.0\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n"
        '--b\r\nContent-Disposition: form-data; name="xml_submission_file"\r\n\r\n<data>'
    ).encode()
    stalled = []
    try:
        for _ in range(40):
            sock = socket.create_connection((url.hostname, url.port), timeout=30)
            sock.sendall(head)
            stalled.append(sock)
        files = [("xml_submission_file", ("submission.xml", sample("simple.xml"), "text/xml"))]
        meanwhile = httpx.post(
            f"{impatient.collect}/submission", files=files, headers=OPENROSA, timeout=30
        )
        waiting = select.select(stalled, [], [], 0)[0]
        answers = [sock.recv(65536) for sock in stalled]
    finally:
        for sock in stalled:
            sock.close()
    assert meanwhile.status_code == 201, meanwhile.text
    assert waiting == [], "the stalled uploads were answered before the other went through"
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[0][:300]
    assert b"stopped arriving for 4 s" in answers[0]
    with engine.connect() as connection:  # only the device's submission was stored
        assert connection.exec_driver_sql("SELECT count(*) FROM submissions").scalar() == 1
