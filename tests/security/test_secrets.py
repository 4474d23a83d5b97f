"""Secrets never leave the request: an app user's key given as `?st=` is not carried into the
sign-in page's `next`, and log redaction finds keys however many times a URL was encoded."""

from __future__ import annotations

from urllib.parse import quote, unquote

import pytest

from server.log_redaction import REDACTED, redact

KEY = "Ab!$" + "k" * 60  # the alphabet of app-user keys, '!' and '$' included


def test_the_key_is_dropped_from_where_to_come_back_after_signing_in(client):
    response = client.get(f"/projects/1?st={KEY}&tab=forms", follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location == "/login?next=" + quote("/projects/1?tab=forms", safe="")
    assert "st" not in unquote(location).split("?", 2)[-1].split("=")


def encodings(url: str) -> list[str]:
    once = quote(url, safe="")
    return [url, once, quote(once, safe=""), "/login?next=" + once]


@pytest.mark.parametrize(
    "url",
    [
        *encodings(f"/v1/key/{KEY}/projects/1/formList"),
        *encodings(f"/v1/test/{KEY}/projects/1/forms/f/draft/formList"),
        *encodings(f"/v1/projects/1/formList?st={KEY}"),
        *encodings(f"/projects/1?tab=forms&st={KEY}&x=1"),
    ],
)
def test_log_redaction_finds_a_key_in_every_encoding(url):
    redacted = redact(f'127.0.0.1 - "GET {url} HTTP/1.1" 303')
    for form in (KEY, quote(KEY, safe=""), quote(quote(KEY, safe=""), safe="")):
        assert form not in redacted
    assert REDACTED in redacted


def test_redaction_leaves_the_rest_of_the_line_readable():
    line = "GET /login?next=%2Fprojects%2F1%3Fst%3D" + quote(KEY, safe="") + "%26tab%3Dforms"
    assert redact(line) == f"GET /login?next=%2Fprojects%2F1%3Fst%3D{REDACTED}%26tab%3Dforms"
