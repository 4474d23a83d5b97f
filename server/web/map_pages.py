"""The map pages: a form's submissions placed by one of its geopoint questions, with the
submissions table's filters, and an entity list's entities placed by a property holding a
geopoint. A location the viewer's role may not read is never mapped: the page says it is
withheld. Clusters are counted in the database and drawn as SVG (server/web/map_view.py)."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import Route

from converters.form_logic import form_language, label_of
from converters.form_model import DataType, FormSchema
from converters.xform_schema import parse_xform
from server.auth import Permission
from server.errors import Problem, ProblemCode
from server.exports.form_data import hidden_xpaths, without_hidden
from server.web.entity_list_pages import LIST, list_url, trail
from server.web.entity_pages import TABLE_FILTERS, hidden_for, read_table_query
from server.web.form_pages import FORM, crumbs, form_url, load_form
from server.web.http import Web, page
from server.web.map_view import VIEW_PARAMS, MapPage, build_map
from server.web.render import current_language, render_page, segment, translate
from server.web.submission_pages import STATE_NAMES, read_filters, root_questions
from server.web.submission_table_pages import read_column_filters
from server.web.withheld import withheld
from storage.db import transaction
from storage.entities.list_labels import list_labels
from storage.entities.lists import get_list
from storage.entities.map_points import located_entities, location_properties
from storage.forms.versions import FormRecord, get_xform
from storage.submissions.listing import FormData, TableFilters, submitters


def geopoints(schema: FormSchema) -> list[tuple[str, str]]:
    """(xpath, label) of the form's root-level geopoint questions, in the form's order."""
    language = form_language(schema, current_language())
    return [
        (f.xpath, label_of(f.labels, language, f.name))
        for f in schema.fields
        if f.repeat is None and f.data_type is DataType.GEOPOINT
    ]


def _schemas(web: Web, form: FormRecord) -> tuple[FormSchema, FormSchema]:
    """The published form whole, and as the viewer may see it."""
    if form.current_version_id is None:
        raise Problem(ProblemCode.NOT_FOUND)
    with transaction(web.state.engine, read_only=True) as connection:
        whole = parse_xform(get_xform(connection, form.current_version_id).encode("utf-8"))
        return whole, without_hidden(whole, hidden_xpaths(connection, form, web.caller))


def _chosen(web: Web, places: list[tuple[str, str]], what: str) -> str | None:
    chosen = web.query("location")
    if chosen and chosen not in dict(places):
        raise Problem(
            ProblemCode.BAD_REQUEST,
            reason=translate(
                "no location %(what)s '%(name)s' that your role may read", what=what, name=chosen
            ),
        )
    return chosen or (places[0][0] if places else None)


def submission_map(
    web: Web, form: FormRecord, schema: FormSchema, filters: TableFilters, xpath: str | None
) -> MapPage:
    """The map of the form's submissions the filters keep, placed by the question `xpath`
    (one the viewer may read; None: the basemap alone): the map page's, and its picture's."""
    label = dict(geopoints(schema)).get(xpath or "", form.name or form.xml_form_id)
    with transaction(web.state.engine, read_only=True) as connection:
        data = FormData(connection, form.id)
        return build_map(
            web,
            connection,
            data.located(filters, xpath) if xpath else None,
            base=f"{form_url(form)}/map",
            point_link=lambda key: f"{form_url(form)}/submissions/{segment(key)}",
            layers=web.state.basemap.layers,
            attribution=web.state.basemap.attribution,
            title=label,
        )


def form_map(web: Web) -> Response:
    form = load_form(web, Permission.SUBMISSION_READ)
    whole, schema = _schemas(web, form)
    places = geopoints(schema)
    xpath = _chosen(web, places, translate("question"))
    filters = replace(
        read_filters(web, schema),
        columns=read_column_filters(web, schema, root_questions(schema)),
    )
    found = submission_map(web, form, schema, filters, xpath) if xpath else None
    with transaction(web.state.engine, read_only=True) as connection:
        people = submitters(connection, form.id)
    return web.render(
        "map.html",
        form=form,
        map=found,
        places=places,
        chosen=xpath,
        location_withheld=len(geopoints(whole)) - len(places),
        questions=root_questions(schema),
        people=people,
        states=STATE_NAMES,
        filters=web.request.query_params,
        filtering=any(k not in VIEW_PARAMS for k in web.request.query_params),
        withheld=withheld(web, form),
        crumbs=crumbs(web, form, (translate("Map"), None)),
    )


def form_map_picture(web: Web) -> Response:
    """The form's map as an SVG picture, with the map page's query (view, filters, location
    question): the dashboard shows it as an image, so that its page does not wait for the
    map's scan, and links it to the map page. Without a location question: the basemap."""
    form = load_form(web, Permission.SUBMISSION_READ)
    _, schema = _schemas(web, form)
    xpath = _chosen(web, geopoints(schema), translate("question"))
    filters = replace(
        read_filters(web, schema),
        columns=read_column_filters(web, schema, root_questions(schema)),
    )
    drawn = submission_map(web, form, schema, filters, xpath)
    body = render_page("map.svg", {"m": drawn})
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


def entity_map(web: Web) -> Response:
    project_id = web.path_int("project_id")
    web.require(Permission.SUBMISSION_READ, project_id)
    name = web.request.path_params["name"]
    with transaction(web.state.engine) as connection:
        entity_list = get_list(connection, project_id, name)
        hidden = hidden_for(web, entity_list)
        locations = location_properties(connection, entity_list, entity_list.properties)
        places = [p for p in locations if p not in hidden]
        chosen = _chosen(web, [(p, p) for p in places], translate("property"))
        labels = list_labels(connection, entity_list, current_language())
        query = read_table_query(web, entity_list, labels)
        found = None
        if chosen:
            found = build_map(
                web,
                connection,
                located_entities(connection, entity_list, chosen, query),
                base=f"{list_url(project_id, name)}/map",
                point_link=lambda key: f"{list_url(project_id, name)}/{segment(key)}",
                layers=web.state.basemap.layers,
                attribution=web.state.basemap.attribution,
                title=chosen,
                entities=True,
            )
        web.audit(connection, "entity.list.view", "dataset", name, {"via": "map"})
    return web.render(
        "entity_map.html",
        entity_list=entity_list,
        list_link=list_url(project_id, name),
        map=found,
        places=places,
        chosen=chosen,
        columns=query.readable,
        labels=labels,
        filters=web.request.query_params,
        table_query=urlencode(
            [(k, v) for k, v in web.request.query_params.items() if k in TABLE_FILTERS]
        ),
        location_withheld=len(locations) - len(places),
        crumbs=trail(
            web,
            project_id,
            (translate("Entity lists"), f"/projects/{project_id}/entities"),
            (name, f"{list_url(project_id, name)}/table"),
            (translate("Map"), None),
        ),
    )


ROUTES = [
    Route(FORM + "/map", page(form_map), methods=["GET"]),
    Route(FORM + "/map.svg", page(form_map_picture), methods=["GET"]),
    Route(LIST + "/map", page(entity_map), methods=["GET"]),
]
