"""Baobab's HTTP server, CLI and the pieces they share.

`{name:id}` in a route path is a database id: 1 to 18 digits, so that a longer number is a 404
like any unknown id instead of overflowing the database's BIGINT."""

from __future__ import annotations

from starlette.convertors import IntegerConvertor, register_url_convertor


class IdConvertor(IntegerConvertor):
    regex = "[0-9]{1,18}"


register_url_convertor("id", IdConvertor())
