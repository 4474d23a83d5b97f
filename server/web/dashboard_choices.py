"""Which questions a form's dashboard charts and how (issue 21): what each question can be
charted as, the default (select questions whose answers vary), the person's own choice kept per
person and form, and the form that changes it (works without JavaScript)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy.engine import Connection
from starlette.responses import Response

from converters.form_logic import form_language, label_of
from converters.form_model import DataType, FormSchema
from server.auth import Permission
from server.errors import Problem, ProblemCode
from server.web.form_pages import form_url, load_form
from server.web.http import Web
from server.web.render import N_, current_language, translate
from server.web.submission_pages import current_schema
from storage.db import transaction
from storage.submissions.chart_choices import (
    ChartChoice,
    choose_charts,
    chosen_charts,
    forget_charts,
)
from storage.submissions.dashboard_counts import answer_sample
from storage.submissions.listing import FormData

BARS, TABLE, OVER_TIME, RANGES = "bars", "table", "time", "ranges"
KIND_NAMES = {
    BARS: N_("Bars"),
    TABLE: N_("Table"),
    OVER_TIME: N_("Over time"),
    RANGES: N_("Ranges"),
}
RANGED = (DataType.INT, DataType.DECIMAL, DataType.DATE)
METADATA = {"today", "start", "end"}  # the device's clock: the per-day chart says it better
DEFAULT_CHARTS = 6
SAMPLE = 500  # latest answers read to tell which questions vary
UNIFORM = 0.95  # one answer this common in the sample: the question is left out by default
ENOUGH = 10  # answers before a question is judged by them (three "yes" may be chance)


@dataclass(frozen=True, slots=True)
class Chartable:
    """A root-level question the dashboard can chart, and the kinds it can be charted as (the
    first is its default)."""

    xpath: str
    label: str
    kinds: tuple[str, ...]


def chartable(schema: FormSchema) -> list[Chartable]:
    """The root-level select questions (bars, a table or over time), integer and decimal
    questions, and date questions (ranges), in the form's order. `schema` is the form as the
    caller may see it (current_schema), so a withheld sensitive question is never offered."""
    language = form_language(schema, current_language())
    found = []
    for field in schema.fields:
        if field.repeat is not None or not field.has_column:
            continue
        if field.choice_list and field.kind in ("select_one", "select_multiple"):
            kinds: tuple[str, ...] = (BARS, TABLE, OVER_TIME)
        elif field.data_type in RANGED and field.kind not in METADATA:
            kinds = (RANGES,)
        else:
            continue
        found.append(Chartable(field.xpath, label_of(field.labels, language, field.name), kinds))
    return found


def default_charts(
    connection: Connection, data: FormData, offered: list[Chartable]
) -> list[ChartChoice]:
    """Bars for the first DEFAULT_CHARTS select questions whose answers vary in the latest
    submissions: a consent that everybody gave, or a question nobody reached, says nothing."""
    selects = [c for c in offered if BARS in c.kinds]
    read, answers = answer_sample(connection, data, [c.xpath for c in selects], SAMPLE)
    varied = []
    for chart in selects:
        given = answers.get(chart.xpath, [])
        if read >= ENOUGH and not given:  # nobody reaches it (a skipped branch)
            continue
        if len(given) >= ENOUGH and Counter(given).most_common(1)[0][1] >= UNIFORM * len(given):
            continue
        varied.append(ChartChoice(chart.xpath, BARS))
    return varied[:DEFAULT_CHARTS]


def shown_charts(
    web: Web, connection: Connection, data: FormData, offered: list[Chartable]
) -> tuple[list[ChartChoice], bool]:
    """The charts shown, in the person's order, and whether they chose them. A chosen question
    the caller may no longer see (sensitive, or gone), or a kind it no longer takes, is left
    out."""
    chosen = chosen_charts(connection, web.actor.id, data.form_id)
    if chosen is None:
        return default_charts(connection, data, offered), False
    kinds = {c.xpath: c.kinds for c in offered}
    return [c for c in chosen if c.kind in kinds.get(c.xpath, ())], True


def save_charts(web: Web) -> Response:
    """The chart chooser's form: `chart:<xpath>` is the kind to chart the question as, or empty
    for none; `reset` goes back to the default. A question the caller may not see, or a kind
    it cannot be charted as, is refused with its name."""
    form = load_form(web, Permission.SUBMISSION_READ)
    offered = {c.xpath: c for c in chartable(current_schema(web, form))}
    wanted = []
    for key, value in web.form.multi_items() if web.form is not None else ():
        prefix, _, xpath = key.partition(":")
        if prefix != "chart" or not isinstance(value, str) or not value:
            continue
        if xpath not in offered:
            raise Problem(
                ProblemCode.BAD_REQUEST,
                reason=translate("no question '%(name)s' to chart in this form", name=xpath),
            )
        if value not in offered[xpath].kinds:
            raise Problem(
                ProblemCode.BAD_REQUEST,
                reason=translate(
                    "the question '%(name)s' cannot be charted as '%(kind)s'",
                    name=xpath,
                    kind=value,
                ),
            )
        wanted.append(ChartChoice(xpath, value))
    order = list(offered)
    wanted.sort(key=lambda chart: order.index(chart.xpath))
    back = web.field("back") if web.field("back").startswith("?") else ""
    with transaction(web.state.engine) as connection:
        if web.field("reset"):
            forget_charts(connection, web.actor.id, form.id)
        else:
            choose_charts(connection, web.actor.id, form.id, wanted, web.state.clock())
    return web.redirect(form_url(form) + "/dashboard" + back, "Charts saved.")
