"""A form wider than one SQL call takes arguments (groups, nested repeats, notes, an entity), two
submissions filling every answer, and the OData feed they load."""

from __future__ import annotations

from tests.support.devices import make_device
from tests.support.forms import publish
from tests.support.xlsforms import md_form

WIDE_IDS = (
    "uuid:0a0a0a0a-0000-4000-8000-000000000001",
    "uuid:0a0a0a0a-0000-4000-8000-000000000002",
)


def survey_form(top: int, group: int, inner: int) -> bytes:
    """`top` integers at the top level, a group `g` of `group` texts holding a group `h` of
    `inner` texts and a repeat `r`, whose group `rg` holds a repeat `inner`; notes before and
    after; an entity whose label is built from two answers."""
    rows = ["type | name | label | calculation", "note | intro | Welcome |"]
    rows += ["text | _private | Private |"]
    rows += [f"integer | q{i} | Q{i} |" for i in range(1, top + 1)]
    rows += ["begin group | g | G |", *(f"text | a{i} | A{i} |" for i in range(1, group + 1))]
    rows += ["begin group | h | H |", *(f"text | b{i} | B{i} |" for i in range(1, inner + 1))]
    rows += ["end group | | |", "begin repeat | r | R |", "text | name | Name |"]
    rows += ["begin group | rg | RG |", "begin repeat | inner | Inner |", "integer | n | N |"]
    rows += ["end repeat | | |", "end group | | |", "end repeat | | |", "end group | | |"]
    rows += ["note | calc_note | Computed | concat('x', ${q1})"]
    entities = "| entities |\n| | list_name | label |\n| | people | concat(${a1}, ' ', ${a2}) |\n"
    return md_form("\n".join(rows), form_id="survey", extra=entities)


def submission(instance_id: str, seed: int, top: int, group: int, inner: int) -> bytes:
    """Every answer filled; two `r` rows holding 2 and 1 `inner` rows; the calculated note as
    Collect sends it (with its value), the other note empty."""
    q = "".join(f"<q{i}>{seed * 1000 + i}</q{i}>" for i in range(1, top + 1))
    a = "".join(f"<a{i}>a{i}-{seed}</a{i}>" for i in range(1, group + 1))
    b = "".join(f"<b{i}>b{i}-{seed}</b{i}>" for i in range(1, inner + 1))
    r = "".join(
        f"<r><name>r{k}-{seed}</name><rg>"
        + "".join(f"<inner><n>{seed * 100 + k * 10 + n}</n></inner>" for n in range(count))
        + "</rg></r>"
        for k, count in ((1, 2), (2, 1))
    )
    return (
        f'<data id="survey" version="1"><intro/><_private>p{seed}</_private>{q}'
        f"<g>{a}<h>{b}</h>{r}</g><calc_note>x{seed * 1000 + 1}</calc_note>"
        f'<meta><entity dataset="people" create="1" id="{seed:08d}-0000-4000-8000-000000000000">'
        f"<label>a1-{seed} a2-{seed}</label></entity><instanceID>{instance_id}</instanceID></meta>"
        "</data>"
    ).encode()


def load_wide_form(client, admin, project, top: int, group: int, inner: int) -> str:
    """The form published and its two submissions sent; the feed's URL."""
    publish(client, admin, project, survey_form(top, group, inner))
    device = make_device(client, admin, project, form_ids=("survey",))
    for seed, instance_id in enumerate(WIDE_IDS, start=1):
        sent = device.submit(submission(instance_id, seed, top, group, inner))
        assert sent.status_code == 201, sent.text
    return f"/v1/projects/{project}/forms/survey.svc"
