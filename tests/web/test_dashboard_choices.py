"""The dashboard people steer (issue 21): which questions are charted and how (bars, a table,
over time, ranges) is chosen in a form that works without JavaScript, kept per person and form
on the server, reset to a default that leaves out questions everybody answers alike, and never
offers nor counts a question the viewer's role may not read."""

from __future__ import annotations

import re
from html import unescape

from starlette.testclient import TestClient

from tests.support.browser import Browser, signed_in_member
from tests.support.visit_form import device_token, published_form, send, visit_xml


def _visits(browser, client, project) -> str:
    form = published_form(browser, project)
    token = device_token(browser, project)
    send(client, project, token, visit_xml(1, region="kayes", age=19))
    send(client, project, token, visit_xml(2, region="bamako", needs="work", age=45))
    send(client, project, token, visit_xml(3, region="kayes", needs="food", age=31))
    return f"/projects/{project}/forms/{form}"


def _titles(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'<h2 id="chart-\d+">([^<]*)</h2>', html)]


def _chooser(html: str) -> str:
    return html.split('class="chart-chooser"', 1)[1].split("</details>", 1)[0]


def test_the_default_leaves_out_a_question_everybody_answered_alike(browser, web_project, client):
    base = _visits(browser, client, web_project)
    page = browser.get(f"{base}/dashboard")
    assert page.status_code == 200, page.text
    # Three answers tell nothing yet: every select question is charted.
    assert _titles(page.text) == ["Region", "Needs", "Consent given"]
    token = device_token(browser, web_project)
    for n in range(4, 12):
        send(client, web_project, token, visit_xml(n, region="bamako" if n % 2 else "kayes"))
    page = browser.get(f"{base}/dashboard")
    # Consent is "yes" in all eleven: it says nothing, so it is offered but not charted.
    assert _titles(page.text) == ["Region", "Needs"]
    chooser = _chooser(page.text)
    assert 'name="chart:/data/consent"' in chooser and "default" in chooser
    assert re.search(r"<title>Kayes: 6</title>", page.text)
    assert "11 submissions" in page.text


def test_chosen_charts_follow_the_person_and_reset_to_the_default(browser, web_project, client):
    base = _visits(browser, client, web_project)
    saved = browser.post(
        f"{base}/dashboard/charts",
        {
            "chart:/data/consent": "bars",
            "chart:/data/region": "table",
            "chart:/data/needs": "time",
            "chart:/data/age": "ranges",
            "back": "?from=2020-01-01",
        },
    )
    assert saved.status_code == 200, saved.text
    assert str(saved.url).endswith("/dashboard?from=2020-01-01")
    assert "Charts saved." in saved.text
    # In the form's order, each as chosen.
    assert _titles(saved.text) == ["Age", "Region", "Needs", "Consent given"]
    table = saved.text.split('<table class="counts">', 1)[1].split("</table>", 1)[0]
    assert re.search(r"<td>Kayes</td><td class=\"num\">2</td><td class=\"num\">66.7</td>", table)
    assert re.search(r"<title>Food, 20\d\d-\d\d-\d\d: 2</title>", saved.text)  # over time
    assert re.search(r"<title>15 – 19: 1</title>", saved.text)  # ages by fives
    assert re.search(r"<title>45 – 49: 1</title>", saved.text)
    assert re.search(r"<title>Yes: 3</title>", saved.text)
    chooser = _chooser(saved.text)
    assert re.search(r'<option value="table" selected>', chooser)
    empty = browser.get(f"{base}/dashboard", params={"from": "2099-01-01"})
    assert empty.status_code == 200 and "0 submissions" in empty.text
    assert _titles(empty.text) == _titles(saved.text)
    assert empty.text.count("No data yet.") == 2 + 4  # per day, per enumerator, each chart
    other = Browser(TestClient(client.app, base_url="http://testserver"))
    assert other.sign_in().status_code == 200
    assert _titles(other.get(f"{base}/dashboard").text)[0] == "Age"
    reset = other.post(f"{base}/dashboard/charts", {"chart:/data/age": "ranges", "reset": "1"})
    assert _titles(reset.text) == ["Region", "Needs", "Consent given"]
    nothing = browser.post(f"{base}/dashboard/charts", {"chart:/data/age": ""})
    assert _titles(nothing.text) == [] and "Submissions per day" in nothing.text


def test_a_question_or_kind_the_form_cannot_chart_is_refused_with_its_name(
    browser, web_project, client
):
    base = _visits(browser, client, web_project)
    unknown = browser.post(f"{base}/dashboard/charts", {"chart:/data/nope": "bars"})
    assert unknown.status_code == 400 and "/data/nope" in unescape(unknown.text)
    text = browser.post(f"{base}/dashboard/charts", {"chart:/data/full_name": "bars"})
    assert text.status_code == 400 and "/data/full_name" in unescape(text.text)
    kind = browser.post(f"{base}/dashboard/charts", {"chart:/data/age": "bars"})
    assert kind.status_code == 400 and "bars" in unescape(kind.text)


def test_a_role_without_sensitive_fields_can_neither_chart_nor_see_them_offered(
    client, admin, intake_project
):
    base = f"/projects/{intake_project}/forms/returnee_intake"
    manager = signed_in_member(client, admin, intake_project, "pm@example.org", "manager")
    offered = _chooser(manager.get(f"{base}/dashboard").text)
    pregnant = re.search(r'name="chart:(/[^"]*/pregnant)"', offered).group(1)
    dob = re.search(r'name="chart:(/[^"]*/dob)"', offered).group(1)
    analyst = signed_in_member(client, admin, intake_project, "analyst@example.org", "analyst")
    page = analyst.get(f"{base}/dashboard")
    assert page.status_code == 200
    assert f'"chart:{pregnant}"' not in page.text and f'"chart:{dob}"' not in page.text
    assert "withheld" in page.text  # server/web/withheld.py's notice stays
    refused = analyst.post(f"{base}/dashboard/charts", {f"chart:{pregnant}": "bars"})
    assert refused.status_code == 400 and pregnant in unescape(refused.text)
    # The manager's own choice draws them; the analyst's dashboard has neither.
    manager.post(
        f"{base}/dashboard/charts", {f"chart:{pregnant}": "bars", f"chart:{dob}": "ranges"}
    )
    sensitive = _titles(manager.get(f"{base}/dashboard").text)
    assert len(sensitive) == 2
    assert not set(sensitive) & set(_titles(analyst.get(f"{base}/dashboard").text))
