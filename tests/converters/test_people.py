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


def test_a_new_phone_and_document_do_not_hide_a_re_registration():
    # The case: 0.70 and never queued before, 1.0 with no phone at all.
    first = person(["Mamadou", "Traoré"], "1990-03-15", "76123456", "ML123456789")
    again = person(["Mamadu", "Traore"], "1990-03-15", "66999888", "ML987654321")
    alike = likeness(first, again)
    assert alike.score >= 0.85
    assert alike.reasons == ("name", "birth date")
    assert alike.differences == ("phone", "document")
    no_phone = likeness(first, person(["Mamadu", "Traore"], "1990-03-15", None, None))
    assert no_phone.score >= alike.score  # a differing phone is weak evidence, not none


def test_a_birth_year_given_again_one_or_two_off_with_a_second_given_name():
    first = person(["Awa", "Coulibaly"], "1985-06-20", None, None)
    again = person(["Awa", "Fatoumata", "Kulibali"], "1987-06-20", "70000000", None)
    assert likeness(first, again).score >= 0.8
    assert keys(first) & keys(again, spread=2)


def test_a_family_sharing_a_phone_does_not_make_pairs():
    twin = person(["Awa", "Diarra"], "2001-05-05", "70112233", None)
    brother = person(["Adama", "Diarra"], "2001-05-05", "70112233", None)
    assert likeness(twin, brother).score < 0.8
    father = person(["Seydou", "Koné"], "1965-02-11", "70112233", None)
    son = person(["Seydou", "Koné"], "1994-09-03", "70112233", None)
    assert likeness(father, son).score < 0.8
    cousin = person(["Fatoumata", "Sow"], "1980-01-01", "70112233", None)
    assert likeness(twin, cousin).score < 0.5


def test_a_namesake_born_years_apart_is_not_queued_but_the_queue_says_why():
    first = person(["Moussa", "Traoré"], "1970-08-02", "76000001", None)
    namesake = person(["Musa", "Traore"], "1984-11-30", "76000002", None)
    alike = likeness(first, namesake)
    assert alike.score < 0.8
    assert alike.reasons == ("name",) and alike.differences == ("birth date", "phone")


def test_a_misspelt_name_is_still_found_through_the_birth_date():
    first = person(["Kadidiatou", "Diaka", "Dicko"], "1969-05-17", None, None)
    again = person(["Kadidiatou", "Diika", "Dicko"], "1969-05-17", None, None)
    assert keys(first) & keys(again, spread=2)
    swapped = person(["Dicko", "Kadidiatou"], "1969-05-07", None, None)
    assert keys(person(["Dicko", "Kadidiatou"], "1969-07-05", None, None)) & keys(swapped, spread=2)
