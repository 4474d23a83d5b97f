"""A client's mistake is a 4xx that says what is wrong, never a 500: malformed bodies, values of
the wrong type, unknown names, numbers too large for the database, tampered tokens."""

from __future__ import annotations

import pytest

from tests.server.central_data import IDS, load_survey

XML = {"Content-Type": "application/xml"}
ONE = "{base}/submissions/" + IDS[0]
MISTAKES = [
    ("PATCH", ONE, {"json": {"reviewState": "nonsense"}}, 400, "not a review state"),
    ("PATCH", ONE, {"json": {"reviewState": 5}}, 400, "must be a string"),
    ("PATCH", ONE, {"content": b"[1,2]"}, 400, "JSON object"),
    ("POST", ONE + "/comments", {"json": {"body": 5}}, 400, "must be a string"),
    ("PUT", ONE, {"content": b"<not xml", "headers": XML}, 400, "not well-formed"),
    ("POST", "{base}/submissions", {"content": b"\xff\xfe", "headers": XML}, 400, "XML"),
    ("POST", "{base}/submissions", {"content": b"<data id='x'/>", "headers": XML}, 400, "ID"),
    ("GET", ONE + "/versions/abc.xml", {}, 404, "abc"),
    ("POST", ONE + "/attachments/nope.jpg", {"content": b"x"}, 404, "nope.jpg"),
    ("POST", "/v1/projects/{project}/app-users", {"json": {"displayName": ["x"]}}, 400, "string"),
    ("POST", "/v1/users", {"json": {"email": "not an email"}}, 400, "not an e-mail address"),
    ("POST", "/v1/projects/{project}/assignments/nope/1", {}, 400, "unknown role"),
    ("GET", "/v1/audits?start=garbage", {}, 400, "ISO 8601"),
    ("GET", "/v1/projects/99999999999999999999/forms", {}, 404, ""),
    ("GET", "{base}/submissions/x/attachments/..%2F..%2Fetc%2Fpasswd", {}, 404, ""),
    ("POST", "/v1/projects/{project}/forms", {"content": b"PK\x03\x04junk"}, 400, "XLSForm"),
    ("PATCH", "{base}", {"json": {"state": "paused"}}, 400, "not a form state"),
    ("GET", "{base}.svc/Submissions?$top=99999999999999999999", {}, 200, "value"),
    ("GET", "{base}.svc/Submissions?$skip=99999999999999999999", {}, 200, "value"),
    ("GET", "{base}.svc/Submissions?$filter=year(__system/submissionDate) eq 1e999", {}, 400, ""),
    ("POST", "/v1/sessions", {"json": {"email": None, "password": None}}, 400, "email"),
]


@pytest.fixture
def survey(client, admin, project, clock):
    return load_survey(client, admin, project, clock)


@pytest.mark.parametrize(("method", "path", "send", "status", "says"), MISTAKES)
def test_mistakes_are_4xx_saying_what_is_wrong(
    client, admin, survey, method, path, send, status, says
):
    url = path.format(base=survey.base, project=survey.project)
    send = dict(send)
    response = client.request(method, url, headers={**admin, **send.pop("headers", {})}, **send)
    assert response.status_code == status, response.text
    assert says in response.text
