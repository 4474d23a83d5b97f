"""What a field of an XForm is: its value's type from the bind, and the XLSForm-level kind
(text, integer, select_one, image, start, audit ...) from the bind, the control and the name."""

from __future__ import annotations

from collections.abc import Mapping

from converters.form_model import DataType

_TRUE = {"true()", "true", "1", "yes"}

BIND_TYPES = {
    "string": DataType.STRING,
    "select1": DataType.STRING,
    "select": DataType.STRING,
    "rank": DataType.STRING,
    "barcode": DataType.STRING,
    "intent": DataType.STRING,
    "int": DataType.INT,
    "integer": DataType.INT,
    "long": DataType.INT,
    "decimal": DataType.DECIMAL,
    "double": DataType.DECIMAL,
    "float": DataType.DECIMAL,
    "boolean": DataType.BOOLEAN,
    "date": DataType.DATE,
    "dateTime": DataType.DATETIME,
    "time": DataType.TIME,
    "geopoint": DataType.GEOPOINT,
    "geotrace": DataType.GEOTRACE,
    "geoshape": DataType.GEOSHAPE,
    "binary": DataType.BINARY,
}
_META_KINDS = {
    "instanceID": "instanceID",
    "instanceName": "instanceName",
    "deprecatedID": "deprecatedID",
    "audit": "audit",
}
_PROPERTY_KINDS = {"deviceid", "subscriberid", "simserial", "phonenumber", "username", "email"}


def field_kind(
    name: str,
    path: str,
    bind: Mapping[str, str],
    bind_type: str,
    data_type: DataType,
    control: str | None,
    mediatype: str | None,
) -> str:
    preload = bind.get("jr:preload")
    params = (bind.get("jr:preloadParams") or "").strip()
    parent = path.rsplit("/", 2)[-2] if path.count("/") >= 2 else ""
    if parent == "meta" and name in _META_KINDS:
        return _META_KINDS[name]
    if preload == "uid":
        return "instanceID"
    if preload == "timestamp" and params in ("start", "end"):
        return params
    if preload == "date" and params == "today":
        return "today"
    if preload == "property" and params.lower() in _PROPERTY_KINDS:
        return params.lower()
    local_type = bind_type.split(":")[-1]
    if control == "rank" or local_type == "rank":
        return "rank"
    if control == "select" or local_type == "select":
        return "select_multiple"
    if control == "select1" or local_type == "select1":
        return "select_one"
    if control == "range":
        return "range"
    if data_type is DataType.BINARY:
        media = (mediatype or "").split("/")[0]
        return {"image": "image", "audio": "audio", "video": "video"}.get(media, "file")
    if local_type == "barcode":
        return "barcode"
    if "calculate" in bind and control is None:
        return "calculate"
    if control == "trigger":
        return "acknowledge"
    if (
        bind.get("readonly", "").strip() in _TRUE
        and data_type is DataType.STRING
        and control in ("input", None)
    ):
        return "note"
    return {
        DataType.INT: "integer",
        DataType.DECIMAL: "decimal",
        DataType.DATE: "date",
        DataType.DATETIME: "dateTime",
        DataType.TIME: "time",
        DataType.GEOPOINT: "geopoint",
        DataType.GEOTRACE: "geotrace",
        DataType.GEOSHAPE: "geoshape",
        DataType.BOOLEAN: "boolean",
    }.get(data_type, "text")
