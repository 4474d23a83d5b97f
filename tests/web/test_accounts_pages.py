"""Account pages: changing one's password, seeing and ending one's sessions, a forgotten
password, and an administrator's page for a user (reset link shown when no e-mail carries it,
deactivate, reactivate, rename, delete), in English and French."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.browser import Browser

PASSWORD = "plain sailing 42"
LINK = re.compile(r"http://baobab\.test/account/reset\?token=[\w-]+")


def other_browser(browser, user_agent="Firefox on the field laptop"):
    client = TestClient(browser.client.app, base_url="http://baobab.test")
    client.headers["User-Agent"] = user_agent
    return Browser(client)


def make_user(browser, email="awa@example.org", password=PASSWORD):
    page = browser.post("/users", {"email": email, "password": password})
    assert page.status_code == 200, page.text
    return next(u["id"] for u in browser.get("/v1/users").json() if u["email"] == email)


def test_changing_my_password_on_the_web_ends_my_other_sessions(browser):
    make_user(browser)
    here, laptop = other_browser(browser, "Phone"), other_browser(browser)
    assert here.sign_in("awa@example.org", PASSWORD).status_code == 200
    assert laptop.sign_in("awa@example.org", PASSWORD).status_code == 200
    page = here.get("/account")
    assert "Firefox on the field laptop" in page.text and "this session" in page.text
    refused = here.post("/account/password", {"current": "wrong one", "new": "a fresh phrase 1"})
    assert refused.status_code == 401 and "The current password is wrong." in refused.text
    weak = here.post("/account/password", {"current": PASSWORD, "new": "iloveyou12"})
    assert weak.status_code == 400 and "most common passwords" in weak.text
    done = here.post("/account/password", {"current": PASSWORD, "new": "a fresh phrase 1"})
    assert done.status_code == 200 and "your other sessions ended" in done.text
    assert str(laptop.get("/projects").url).startswith("http://baobab.test/login")
    assert "Firefox on the field laptop" not in here.get("/account").text


def test_i_end_one_of_my_sessions_from_the_account_page(browser):
    make_user(browser)
    here, laptop = other_browser(browser, "Phone"), other_browser(browser)
    here.sign_in("awa@example.org", PASSWORD)
    laptop.sign_in("awa@example.org", PASSWORD)
    page = here.get("/account").text
    row = page.split("Firefox on the field laptop")[1]
    session = re.search(r'name="session" value="([0-9a-f]{64})"', row).group(1)
    ended = here.post("/account/sessions/end", {"session": session})
    assert "The session is ended." in ended.text
    assert str(laptop.get("/projects").url).startswith("http://baobab.test/login")
    # someone else's session cannot be ended from my page
    admin_sessions = browser.get("/account").text
    theirs = re.search(r'name="session" value="([0-9a-f]{64})"', admin_sessions)
    assert theirs is None  # the administrator's only session is the current one


def test_a_forgotten_password_and_the_link_an_administrator_gives(browser, client):
    user = make_user(browser)
    stranger = other_browser(browser)
    stranger.get("/account/forgot")
    asked = stranger.post("/account/forgot", {"email": "awa@example.org"})
    assert "If an account has this address" in asked.text
    unknown = stranger.post("/account/forgot", {"email": "nobody@example.org"})
    assert "If an account has this address" in unknown.text  # the same answer
    page = browser.post(f"/users/{user}/reset")
    assert "No e-mail carried the reset link" in page.text
    link = LINK.search(page.text).group(0)
    form = stranger.get(link.removeprefix("http://baobab.test"))
    assert 'name="token"' in form.text
    token = link.partition("token=")[2]
    weak = stranger.post("/account/reset", {"token": token, "new": "short"})
    assert weak.status_code == 400 and "at least 10 characters" in weak.text
    done = stranger.post("/account/reset", {"token": token, "new": "chosen with the link"})
    assert done.status_code == 200 and "Sign in with it" in done.text
    again = stranger.get(link.removeprefix("http://baobab.test"))
    assert again.status_code == 400 and "does not work any more" in again.text
    assert stranger.sign_in("awa@example.org", "chosen with the link").status_code == 200


def test_an_administrator_deactivates_reactivates_renames_and_deletes(browser):
    user = make_user(browser)
    awa = other_browser(browser)
    awa.sign_in("awa@example.org", PASSWORD)
    assert browser.get("/users").text.count(f'href="/users/{user}"') == 1
    off = browser.post(f"/users/{user}/deactivate")
    assert "The user is deactivated" in off.text and "cannot sign in" in off.text
    assert str(awa.get("/projects").url).startswith("http://baobab.test/login")
    assert "is wrong" in awa.sign_in("awa@example.org", PASSWORD).text
    refused = browser.post(f"/users/{user}/reset")
    assert refused.status_code == 400 and "Reactivate the account first." in refused.text
    assert "The user is reactivated." in browser.post(f"/users/{user}/reactivate").text
    renamed = browser.post(
        f"/users/{user}", {"display_name": "Awa Diallo", "email": "awa@example.org"}
    )
    assert "<h1>Awa Diallo</h1>" in renamed.text
    taken = browser.post(f"/users/{user}", {"display_name": "Awa", "email": ADMIN_EMAIL})
    assert taken.status_code == 409
    gone = browser.post(f"/users/{user}/delete")
    assert "The user is deleted." in gone.text and "awa@example.org" not in gone.text
    assert browser.get(f"/users/{user}").status_code == 404
    audit = browser.get("/v1/audits").json()
    actions = [a["action"] for a in audit if a["acteeId"] == str(user)]
    for action in ("user.deactivate", "user.reactivate", "user.update", "user.delete"):
        assert action in actions


def test_only_administrators_see_user_pages(browser):
    user = make_user(browser)
    awa = other_browser(browser)
    awa.sign_in("awa@example.org", PASSWORD)
    me = awa.get("/v1/users/current").json()["id"]
    assert awa.get(f"/users/{me}").status_code == 403
    assert awa.post(f"/users/{user}/deactivate").status_code == 403


def test_the_account_pages_speak_french(browser):
    browser.post("/account/language", {"language": "fr", "next": "/account"})
    page = browser.get("/account").text
    assert "Changer mon mot de passe" in page and "Mes sessions" in page
    weak = browser.post("/account/password", {"current": ADMIN_PASSWORD, "new": "password12"})
    assert "l'un des plus courants" in weak.text.replace("&#39;", "'")
    stranger = other_browser(browser)
    stranger.get("/login")
    stranger.post("/account/language", {"language": "fr", "next": "/login"})
    assert "Mot de passe oublié ?" in stranger.get("/login").text


def test_an_administrator_cannot_deactivate_themself_from_the_web(browser):
    me = browser.get("/v1/users/current").json()["id"]
    page = browser.post(f"/users/{me}/deactivate")
    assert page.status_code == 400
    assert ADMIN_EMAIL in browser.get("/users").text
