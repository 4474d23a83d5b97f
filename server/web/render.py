"""Templates and languages for the web interface: one Jinja2 environment with autoescaping,
gettext from the project's own catalogues (locale/<lang>/LC_MESSAGES/messages.po, read with
Babel at start-up), and dates and numbers written the way each language writes them."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from urllib.parse import quote

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from converters.charts import bar_chart, column_chart
from converters.map_drawing import area_at, draw_place

HERE = Path(__file__).parent
LANGUAGES = {"en": "English", "fr": "Français"}
DEFAULT_LANGUAGE = "en"
_language: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


@cache
def catalogue(language: str) -> dict[str, str | tuple[str, ...]]:
    """msgid -> translation for one language; English is the source and has none."""
    path = HERE / "locale" / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as po:
        messages = read_po(po, locale=language)
    found: dict[str, str | tuple[str, ...]] = {}
    for message in messages:
        if not message.id or not message.string or message.fuzzy:
            continue
        key = message.id[0] if isinstance(message.id, tuple | list) else message.id
        found[key] = (
            tuple(message.string) if isinstance(message.string, tuple | list) else message.string
        )
    return found


def N_(message: str) -> str:  # gettext's name for "mark for translation"
    """Marks a message kept in a table (role names, review states) for the catalogue; the page
    translates it when it shows it."""
    return message


def translate(message: str, **variables: object) -> str:
    """The message in the current page's language, with %(name)s variables filled in."""
    found = catalogue(_language.get()).get(message)
    text = found if isinstance(found, str) else message
    return text % variables if variables else text


def _gettext(message: str) -> str:
    found = catalogue(_language.get()).get(message)
    return found if isinstance(found, str) else message


def _ngettext(singular: str, plural: str, n: int) -> str:
    found = catalogue(_language.get()).get(singular)
    language = _language.get()
    many = n > 1 if language == "fr" else n != 1
    if isinstance(found, tuple) and len(found) >= 2:
        return found[1] if many else found[0]
    return plural if many else singular


def use_language(language: str) -> None:
    """Pages rendered from now on, in this thread or task, speak `language`."""
    _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def current_language() -> str:
    return _language.get()


def pick_language(accept_language: str) -> str:
    """The first of our languages in an Accept-Language header ('fr-ML,fr;q=0.9' -> 'fr')."""
    ranked = []
    for part in accept_language.split(","):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((weight, tag.split("-")[0].lower()))
    for _weight, tag in sorted(ranked, key=lambda pair: -pair[0]):
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def when(value: datetime | None, size: str = "medium") -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value, size, tzinfo=UTC, locale=_language.get())


def day(value: object) -> str:
    if value is None:
        return ""
    return format_date(value, "medium", locale=_language.get())  # type: ignore[arg-type]


def segment(value: object) -> str:
    """A value (an instanceID, a form id, an entity's uuid, a file name) written as one
    segment of a URL path: "/", "?", "#", "%" and the rest encoded, so that an id like
    `uuid:../../users` or `a?b` links to its own page and nowhere else. ":" and "@" may stay
    (RFC 3986 pchar): our links are absolute paths, so "uuid:" is never read as a scheme."""
    return quote(str(value), safe=":@")


def number(value: float | int | None) -> str:
    return "" if value is None else format_decimal(value, locale=_language.get())


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    environment.filters.update(when=when, day=day, number=number, segment=segment)
    environment.globals.update(
        LANGUAGES=LANGUAGES,
        current_language=current_language,
        bar_chart=bar_chart,
        column_chart=column_chart,
        draw_place=draw_place,  # a submission's geopoint on the basemap (_map.html)
        area_at=area_at,
    )
    return environment


ENVIRONMENT = _environment()


def render_page(template: str, context: dict[str, object]) -> str:
    return ENVIRONMENT.get_template(template).render(context)
