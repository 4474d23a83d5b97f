"""Analysts' pages: the export page (every export option, with a progress bar for large
files) and a dashboard per form (submissions per day and per enumerator, a bar chart per
select question, a map of collected points), all drawn on the server as SVG."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from converters.charts import bar_chart, column_chart, point_map
from converters.form_logic import form_language, label_of
from converters.form_model import DataType
from server.auth import Permission
from server.errors import Problem, ProblemCode
from server.web.form_pages import FORM, crumbs, form_url, load_form
from server.web.http import Web, page
from server.web.render import N_, current_language, translate
from server.web.submission_pages import STATE_NAMES, current_schema, read_filters
from server.web.withheld import withheld
from storage.db import transaction
from storage.submissions.listing import FormData
from storage.submissions.queries import form_activity

FORMATS = {
    "csv.zip": N_("CSV files in a ZIP (one per table, with media)"),
    "xlsx": N_("Excel workbook (a sheet per table)"),
    "csv": N_("One CSV file (the main table)"),
    "geojson": N_("GeoJSON (points, lines and shapes)"),
    "sps": N_("SPSS syntax for the CSV"),
}
MAX_CHARTS = 12


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
    form = load_form(web, Permission.SUBMISSION_READ)
    schema = current_schema(web, form)
    filters = read_filters(web, schema)
    language = form_language(schema, current_language())
    selects = [
        f
        for f in schema.fields
        if f.repeat is None and f.choice_list and f.kind in ("select_one", "select_multiple")
    ][:MAX_CHARTS]
    location = next(
        (f for f in schema.fields if f.repeat is None and f.data_type is DataType.GEOPOINT), None
    )
    with transaction(web.state.engine, read_only=True) as connection:
        data = FormData(connection, form.id)
        per_day = data.per_day(connection, filters)
        per_submitter = data.per_submitter(connection, filters)
        counted = data.per_answers(
            connection, filters, [(field.xpath, field.is_multiple) for field in selects]
        )
        answers = []
        for field in selects:
            choices = schema.choice_lists.get(field.choice_list or "")
            labels = {
                c.name: label_of(c.labels, language, c.name)
                for c in (choices.choices if choices else ())
            }
            if counted.get(field.xpath):
                answers.append(
                    (
                        label_of(field.labels, language, field.name),
                        bar_chart([(labels.get(v, v), n) for v, n in counted[field.xpath]]),
                    )
                )
        coordinates = data.points(connection, filters, location.xpath) if location else []
    return web.render(
        "dashboard.html",
        form=form,
        filters=web.request.query_params,
        total=sum(n for _, n in per_day),
        per_day=column_chart(per_day),
        per_submitter=bar_chart(per_submitter),
        answers=answers,
        location=label_of(location.labels, language, location.name) if location else None,
        map=point_map(coordinates),
        mapped=len(coordinates),
        withheld=withheld(web, form),
        crumbs=crumbs(web, form, (translate("Dashboard"), None)),
    )


ROUTES = [
    Route(FORM + "/export", page(export_page), methods=["GET"]),
    Route(FORM + "/export/download", page(export_download), methods=["GET"]),
    Route(FORM + "/dashboard", page(dashboard), methods=["GET"]),
]
