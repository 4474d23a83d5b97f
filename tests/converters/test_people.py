"""Whether two registrations are one person: spellings of West African names, word order,
dates of birth, phones and documents."""

from __future__ import annotations

import pytest

from converters.people import keys, likeness, person, sound


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Coulibaly", "Kulibali"),
        ("Kéïta", "KEITA"),
        ("Diallo", "Jalloh"),
        ("Cissé", "Sissé"),
        ("Mamadou", "Mamadu"),
        ("Oumar", "Umar"),
        ("Djénéba", "Jeneba"),
        ("Sidibé", "Sidibe"),
    ],
)
def test_spellings_of_one_name_sound_the_same(one, other):
    assert sound(one) == sound(other)


def test_a_reordered_respelled_name_with_a_swapped_birth_date_and_the_same_phone_is_flagged():
    first = person(["Awa", "Traoré"], "1998-04-12", "+223 70 00 00 01", None)
    again = person(["TRAORE", "Awa"], "1998-12-04", "70000001", None)
    alike = likeness(first, again)
    assert alike.score >= 0.9 and alike.reasons == ("name", "birth date", "phone")


def test_the_same_document_is_the_same_person_whatever_the_name():
    first = person(["Moussa", "Keita"], None, None, "ML-0012345")
    other = person(["Musa", "Kanté"], None, None, "ml 0012345")
    assert likeness(first, other).score >= 0.9


def test_different_people_stay_apart():
    first = person(["Awa", "Traoré"], "1998-04-12", "70000001", None)
    assert (
        likeness(first, person(["Fatoumata", "Diallo"], "1990-01-01", "76000000", None)).score < 0.5
    )
    namesake = person(["Awa", "Traoré"], "1975-06-30", "79999999", "B123")
    assert likeness(first, namesake).score < 0.75  # a common name, another age and phone


def test_blocking_keys_meet_across_a_year():
    first = person(["Awa", "Traoré"], "1998-12-31", None, None)
    later = person(["Traore", "Awa"], "1999-01-02", None, None)
    assert keys(first) & keys(later, spread=1)
    assert keys(person([], None, "70000001", None)) == {"p:70000001"}
