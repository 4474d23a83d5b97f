"""A form's fields as Central's `/fields` endpoint lists them: every group, repeat and field in
form order, with its path under the root, its bind type, and whether it is a file or a
select_multiple. ruODK reads this to type the columns it gets from OData."""

from __future__ import annotations

from converters.export_model import odata_name
from converters.form_model import DataType, FormSchema


def central_fields(schema: FormSchema, *, odata: bool = False) -> list[dict[str, object]]:
    """With `odata`, names and path segments are the OData ones (e.g. `meta-x` -> `meta_x`)."""
    groups = {g.xpath for g in schema.groups}
    listed: list[dict[str, object]] = []
    for xpath in schema.order:
        segments = xpath[len(schema.root_path) + 1 :].split("/")
        if odata:
            segments = [odata_name(segment) for segment in segments]
        field = schema.field(xpath)
        binary = field is not None and field.data_type is DataType.BINARY
        if field is not None:
            kind = field.bind_type.split(":")[-1] or "string"
        elif schema.repeat(xpath) is not None:
            kind = "repeat"
        elif xpath in groups:
            kind = "structure"
        else:
            continue
        listed.append(
            {
                "path": "/" + "/".join(segments),
                "name": segments[-1],
                "type": kind,
                # Central: a binary bind, or `/meta/audit` whatever its bind (lib/data/schema.js)
                "binary": True if binary else None,
                "selectMultiple": True if field is not None and field.is_multiple else None,
            }
        )
    return listed
