"""A household form whose repeat creates or updates one entity per member (entities-version
2025.1.0), and a member as Collect sends it."""

from __future__ import annotations

from tests.support.xlsforms import md_form

HOUSEHOLD = md_form(
    """
    type | name | label | save_to
    text | village | Village |
    begin_repeat | member | Member |
    text | member_id | Known id |
    text | first | First name | first_name
    integer | age | Age | age
    end_repeat | member | |
    """,
    form_id="household",
    extra=(
        "| entities |\n| | list_name | label | entity_id | create_if | update_if | repeat |\n"
        "| | people | ${first} | ${member_id} | ${member_id} = '' | ${member_id} != '' "
        "| ${member} |\n"
    ),
)


def member(uuid: str, first: str, age: str, **entity: str) -> str:
    attributes = " ".join(
        f'{k}="{v}"' for k, v in {"dataset": "people", "id": uuid, **entity}.items()
    )
    return (
        f"<member><member_id/><first>{first}</first><age>{age}</age>"
        f"<meta><entity {attributes}><label>{first}</label></entity></meta></member>"
    )
