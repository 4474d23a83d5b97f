"""Filling a form rendered by ODK Web Forms in Playwright as a person would (by the questions'
labels), and the answers the browser tests give the shipped intake and follow-up."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page

READY = ".form-initialization-status.ready"  # Web Forms' marker once the form is interactive
Answer = tuple[str, object] | tuple[str, object, int]


def wait_until_ready(page: Page) -> None:
    page.wait_for_selector(READY, state="attached")


def question(page: Page, label: str, nth: int = 0) -> Locator:
    """The question whose label starts with `label` (ends with, when `label` ends with "$")."""
    exact = label.endswith("$")
    pattern = r"^\s*" + re.escape(label.rstrip("$")) + (r"\s*$" if exact else "")
    heading = page.locator(".control-text label").filter(has_text=re.compile(pattern))
    return page.locator(".question-container").filter(has=heading).nth(nth)


def answer(page: Page, label: str, value: object, nth: int = 0) -> None:
    """Answer a question by what its control is: choices by their name (a list for a select
    multiple), a file by its path, a date as YYYY-MM-DD, anything else typed in."""
    box = question(page, label, nth)
    box.scroll_into_view_if_needed()
    if isinstance(value, list):
        for name in value:
            box.locator(f'input[value="{name}"]').check()
    elif isinstance(value, Path):
        box.locator("input[type=file]").set_input_files(value)
    elif box.locator("input[type=radio]").count():
        box.locator(f'input[type=radio][value="{value}"]').check()
    elif box.locator(".p-datepicker").count():
        year, month, day = str(value).split("-")
        field = box.locator("input")
        field.fill(f"{month}/{day}/{year}")
        field.press("Enter")
    elif box.locator(".p-inputnumber").count():  # typed key by key, as it listens to keys
        field = box.locator("input").first
        field.click()
        field.press_sequentially(str(value))
        field.press("Tab")
    else:
        box.locator("input, textarea").first.fill(str(value))


def answer_all(page: Page, answers: list[Answer]) -> None:
    for label, value, *nth in answers:
        answer(page, label, value, nth[0] if nth else 0)


def choose_from_list(page: Page, label: str, text: str) -> None:
    """A select with the autocomplete appearance: type in its filter, pick the option."""
    question(page, label).locator("[role=combobox]").click()
    page.locator(".p-select-filter").fill(text)
    page.locator("[role=option]", has_text=text).click()


def send(page: Page) -> None:
    page.get_by_role("button", name="Send").click()


def intake_answers(photo: Path, case: str = "KAY/2026/101") -> list[Answer]:
    """The shipped intake for an adult woman returning from Libya with two family members (the
    repeat, from its count) and her photo."""
    return [
        ("Enumerator's name", "Fatou Keita"),
        ("Registration date", "2026-11-30"),
        ("Case number", case),
        ("Where does this interview take place?", "on_arrival"),
        ("Language of the interview", "bambara"),
        ("Is the person under 18 years old?", "no"),
        ("Declaration of voluntary return", "yes"),
        ("Data protection", "yes"),
        ("Does the person agree that their information may be shared", "yes"),
        ("Does the person agree to have their photo taken", "yes"),
        ("First name(s)", "Awa"),
        ("Family name", "Traoré"),
        ("Sex$", "female", 0),
        ("Date of birth", "1995-04-12"),
        ("Is the date of birth estimated?", "no"),
        ("Nationality", "MLI"),
        ("Languages spoken", ["bambara", "french"]),
        ("Does the person have a phone number", "yes"),
        ("Phone number", "70000123"),
        ("Whose phone is it?", "own"),
        ("Identity or travel document held by the person", "none"),
        ("Photo of the person", photo),
        ("Marital status", "married_mono"),
        ("How many people, including the person", "4"),
        ("How many people depend on the person financially?", "2"),
        ("Are family members returning together", "yes"),
        ("How many family members return with the person?", "2"),
        ("First name$", "Moussa", 0),
        ("Relationship to the person", "spouse", 0),
        ("Sex$", "male", 1),
        ("Age (completed years)", "33", 0),
        ("First name$", "Aminata", 1),
        ("Relationship to the person", "child", 1),
        ("Sex$", "female", 2),
        ("Age (completed years)", "6", 1),
        ("Fitness to travel", "fit"),
        ("Does the person have a serious or long-term illness", "no"),
        ("Do you have difficulty seeing", "no_difficulty"),
        ("Do you have difficulty hearing", "no_difficulty"),
        ("Do you have difficulty walking", "no_difficulty"),
        ("Do you have difficulty remembering", "no_difficulty"),
        ("Do you have difficulty with self-care", "no_difficulty"),
        ("Using your usual language", "no_difficulty"),
        ("Is the person pregnant?", "no"),
        ("During the journey or abroad, did any of the following", ["none"]),
        ("Gender-based violence", "no"),
        ("Signs of distress observed", ["none"]),
        ("Country the person is returning from", "LBY"),
        ("Where was the person staying before return?", "transit_centre"),
        ("Immigration status in that country", "irregular"),
        ("When did the person last leave Mali?", "2023-02-01"),
        ("Why did the person leave Mali?", ["work"]),
        ("During the journey or abroad, was the person ever", "no"),
        ("During the journey or abroad, did the person exper", ["none"]),
        ("Does the person (or their family) still owe money", "no"),
        ("Region of destination in Mali", "kayes"),
        ("Cercle", "kayes"),
        ("Commune", "kayes_kayes"),
        ("Village or neighbourhood", "Lafiabougou"),
        ("Date of return (actual or planned)", "2026-11-28"),
        ("Mode of return", "road"),
        ("Reception assistance", ["meet_greet"]),
        ("Highest level of education", "primary"),
        ("Can the person read and write", "yes"),
        ("In which sectors has the person worked", ["trade"]),
        ("Skills the person has", ["farming"]),
        ("What would the person like to do after return?", "own_business"),
    ]


# The follow-up by phone, with a "don't know" among the scored answers (whose score preview
# must not go blank: the preview_* calculations of forms/reintegration_followup/survey.csv).
FOLLOWUP_VISIT: list[Answer] = [
    ("Enumerator's name", "Fatou Keita"),
    ("Follow-up round", "month_3"),
    ("How is the follow-up done?", "phone"),
    ("Outcome of the visit", "completed"),
    ("Read to the person: we would like to ask you about", "yes"),
]
FOLLOWUP_REST: list[Answer] = [
    ("Phone number on file", "no"),
    ("Has the person moved to another commune", "no"),
    ("How satisfied are you with your current economic", "dk"),
    ("In the past month, how often did you have to reduce", "rarely"),
    ("If you needed money, could you borrow it?", "yes"),
    ("How often do you borrow money?", "sometimes"),
    ("Which is larger: your debts or your monthly", "no_debt"),
    ("Are you currently working", "no"),
    ("Do you or your household own productive assets", "no"),
    ("How would you rate your access to employment", "fair"),
    ("How would you rate your access to housing", "good"),
    ("How would you rate the standard of the housing", "good"),
    ("Do all the school-age children in your household", "yes"),
    ("How would you rate your access to health care", "fair"),
    ("How would you rate the quality of the health care", "fair"),
    ("How would you rate your access to safe drinking", "good"),
    ("How would you rate your access to justice", "fair"),
    ("Do you have at least one identity document", "yes"),
    ("How often are you invited to, or do you take part", "often"),
    ("If you needed help, could you count on people", "yes"),
    ("Do you feel that you are part of the community", "yes"),
    ("How safe do you and your family feel", "safe"),
    ("Since your return, how often have you had tension", "rarely"),
    ("Since your return, have you felt discriminated", "no"),
    ("Do you often suffer from any of the following", ["none"]),
    ("Would you like to receive specialised psychological", "no"),
    ("Do you feel able to stay and build your life", "yes"),
    ("Since the last visit (or since return), has the pe", "no"),
    ("Since the last visit (or since return), what assis", ["cash"]),
    ("Cash received (FCFA)", "25000"),
    ("How satisfied is the person with the assistance?", "satisfied"),
    ("Did anything in this interview suggest an urgent", "no"),
]
