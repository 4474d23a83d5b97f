"""Analysts' pages: the export page (every export option, with a progress bar for large
files) and a dashboard per form (submissions per day and per enumerator, a map of collected
points, and the answers each person chose to chart), drawn on the server."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from converters.charts import bar_chart
from converters.form_model import DataType
from server.auth import Permission
from server.errors import Problem, ProblemCode
from server.web.dashboard_charts import answer_charts, counts_needed, submissions_over_time
from server.web.dashboard_choices import KIND_NAMES, chartable, save_charts, shown_charts
from server.web.form_pages import FORM, crumbs, form_url, load_form
from server.web.http import Web, page
from server.web.map_pages import geopoints
from server.web.render import N_, translate
from server.web.submission_pages import STATE_NAMES, current_schema, read_filters
from server.web.withheld import withheld
from storage.db import transaction
from storage.submissions.dashboard_counts import actor_names, count_dashboard
from storage.submissions.listing import FormData
from storage.submissions.queries import form_activity

FORMATS = {
    "csv.zip": N_("CSV files in a ZIP (one per table, with media)"),
    "xlsx": N_("Excel workbook (a sheet per table)"),
    "csv": N_("One CSV file (the main table)"),
    "geojson": N_("GeoJSON (points, lines and shapes)"),
    "sps": N_("SPSS syntax for the CSV"),
}


def export_page(web: Web) -> Response:
    form = load_form(web, Permission.SUBMISSION_READ)
    schema = current_schema(web, form)
    with transaction(web.state.engine, read_only=True) as connection:
        total = form_activity(connection, form.id)["submissions"]
    return web.render(
        "export.html",
        form=form,
        formats=FORMATS,
        languages=schema.languages,
        geometry=[
            f
            for f in schema.fields
            if f.data_type in (DataType.GEOPOINT, DataType.GEOTRACE, DataType.GEOSHAPE)
        ],
        states=STATE_NAMES,
        total=total,
        withheld=withheld(web, form),
        crumbs=crumbs(web, form, (translate("Export"), None)),
    )


def export_download(web: Web) -> Response:
    """The export form sends here; it answers with the API's export URL for the chosen
    format and options (so it works without JavaScript, and a script can follow it)."""
    form = load_form(web, Permission.SUBMISSION_READ)
    chosen = web.query("format")
    if chosen not in FORMATS:
        raise Problem(ProblemCode.BAD_REQUEST, reason=f"unknown export format '{chosen}'")
    conditions = []
    if web.query("from"):
        conditions.append(f"__system/submissionDate ge {web.query('from')}T00:00:00Z")
    if web.query("to"):
        conditions.append(f"__system/submissionDate le {web.query('to')}T23:59:59.999Z")
    if web.query("state"):
        state = web.query("state")
        if state not in STATE_NAMES:
            raise Problem(ProblemCode.BAD_REQUEST, reason=f"unknown review state '{state}'")
        value = "null" if state == "received" else f"'{state}'"
        conditions.append(f"__system/reviewState eq {value}")
    params = {
        "attachments": "true" if web.query("attachments") else "false",
        "groupPaths": "true" if web.query("groupPaths") else "false",
        "splitSelectMultiples": "true" if web.query("splitSelectMultiples") else "false",
        "deletedFields": "true" if web.query("deletedFields") else "false",
        "labels": "true" if web.query("labels") else "false",
    }
    if web.query("language"):
        params["language"] = web.query("language")
    if web.query("geometry"):
        params["geometry"] = web.query("geometry")
    if conditions:
        params["$filter"] = " and ".join(conditions)
    url = f"/v1{form_url(form)}/submissions.{chosen}"
    return RedirectResponse(f"{url}?{urlencode(params)}", status_code=303)


def dashboard(web: Web) -> Response:
    """Submissions per day and per enumerator, the map, and the answers the person chose to
    chart (server/web/dashboard_choices.py), counted in a few scans whatever their number."""
    form = load_form(web, Permission.SUBMISSION_READ)
    schema = current_schema(web, form)
    filters = read_filters(web, schema)
    offered = chartable(schema)
    location = next(iter(geopoints(schema)), None)  # the map: server/web/map_pages.py
    with transaction(web.state.engine, read_only=True) as connection:
        data = FormData(connection, form.id)
        shown, chose = shown_charts(web, connection, data, offered)
        selects, ranged = counts_needed(schema, shown)
        counts = count_dashboard(connection, data, filters, selects, ranged)
        names = actor_names(connection, [who for who, _ in counts.per_submitter])
    return web.render(
        "dashboard.html",
        form=form,
        filters=web.request.query_params,
        total=counts.total,
        over_time=submissions_over_time(counts.per_day),
        per_submitter=bar_chart(
            [(names.get(who, "—") if who else "—", n) for who, n in counts.per_submitter]
        ),
        answers=answer_charts(schema, shown, counts),
        offered=offered,
        shown={chart.xpath: chart.kind for chart in shown},
        chose=chose,
        kind_names=KIND_NAMES,
        map=location,  # (xpath, label): the map is a picture of its own (map_pages)
        withheld=withheld(web, form),
        crumbs=crumbs(web, form, (translate("Dashboard"), None)),
    )


ROUTES = [
    Route(FORM + "/export", page(export_page), methods=["GET"]),
    Route(FORM + "/export/download", page(export_download), methods=["GET"]),
    Route(FORM + "/dashboard", page(dashboard), methods=["GET"]),
    Route(FORM + "/dashboard/charts", page(save_charts), methods=["POST"]),
]
