"""English and French: every message of every page has its French translation, the choice is
kept per user, and anonymous pages follow the browser's language."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from server.web.extract import enum_messages
from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD

WEB = Path(__file__).resolve().parents[2] / "server" / "web"
KEYWORDS = {
    "translate": None,
    "N_": None,
    "redirect": (2,),
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def _extracted() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {
        "templates/**.html": {
            "extensions": "jinja2.ext.i18n",
            "trim_blocks": "true",
            "lstrip_blocks": "true",
        }
    }
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, options, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    for _file, _line, message, _comments, _context in extract_from_dir(  # their pages' words
        str(WEB.parents[1] / "programmes"), [("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    for errors in ("server/errors.py", "storage/errors.py", "converters/errors.py"):
        with (WEB.parents[1] / errors).open("rb") as source:
            found |= {message for _line, _, message, _ in enum_messages(source, None, None, None)}
    return found


def _french() -> dict[str, object]:
    with (WEB / "locale" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po, locale="fr")
    return {
        (m.id[0] if isinstance(m.id, tuple) else m.id): m.string
        for m in catalogue
        if m.id and not m.fuzzy
    }


def test_every_message_of_the_interface_has_a_french_translation():
    extracted, french = _extracted(), _french()
    assert len(extracted) > 300
    untranslated = sorted(m for m in extracted if not french.get(m))
    assert not untranslated, f"translate these in messages.po: {untranslated}"


def test_translations_keep_every_placeholder():
    with (WEB / "locale" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po, locale="fr")
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == wanted, (message.id, string)


def test_the_language_is_chosen_per_user_and_kept(browser, web_project):
    english = browser.get(f"/projects/{web_project}")
    assert "<h2>Forms</h2>" in english.text and 'lang="en"' in english.text
    french = browser.post(
        "/account/language", {"language": "fr", "next": f"/projects/{web_project}"}
    )
    assert 'lang="fr"' in french.text
    assert "<h2>Formulaires</h2>" in french.text
    assert "Téléverser un XLSForm" in french.text
    browser.post("/logout")
    browser.client.cookies.clear()  # another browser: the account remembers the choice
    again = browser.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    assert "<h1>Projets</h1>" in again.text


def test_the_sign_in_page_follows_the_browser_language(client):
    french = client.get("/login", headers={"Accept-Language": "fr-ML,fr;q=0.9,en;q=0.5"})
    assert "<h1>Se connecter</h1>" in french.text
    english = client.get("/login", headers={"Accept-Language": "de,en;q=0.5"})
    assert "<h1>Sign in</h1>" in english.text


def test_dates_and_numbers_are_written_the_french_way(browser, web_project, client):
    from tests.support.visit_form import device_token, published_form, send, visit_xml

    form = published_form(browser, web_project)
    token = device_token(browser, web_project)
    send(client, web_project, token, visit_xml(1))
    browser.post("/account/language", {"language": "fr", "next": "/projects"})
    page = browser.get(f"/projects/{web_project}/forms/{form}/submissions")
    assert "1 soumission" in page.text
    assert re.search(
        r"\d{1,2} (janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc)\.? \d{4}", page.text
    )


def test_error_pages_speak_french_too(browser, web_project):
    browser.post("/account/language", {"language": "fr", "next": "/projects"})
    missing = browser.get(f"/projects/{web_project}/forms/nowhere")
    assert missing.status_code == 404
    assert "Formulaire « nowhere » introuvable." in missing.text
