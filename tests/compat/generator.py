"""Fill any XForm's primary instance with typed values, as a device would: every leaf answered
with a value of its type (seeded, so a failure can be replayed), each repeat given one to three
instances (nested ones too), files for every binary question, and a record of what was sent
where, to look for afterwards in every export."""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from lxml import etree

from converters.form_model import DataType, Field, FormSchema

JR_TEMPLATE = "{http://openrosa.org/javarosa}template"
XF = "http://www.w3.org/2002/xforms"
WORDS = ("Traoré", "Sidibé", "Kayes", "Ségou", "mil", "coton", "l'école", 'un "mot"', "a, b", "ñ")


@dataclass(frozen=True)
class SentValue:
    key: str  # Central's row key: the instanceID, then /group/repeat[n] down to the row
    xpath: str  # of the field
    path: tuple[str, ...]  # the field's names below its row (groups, then the field)
    field: Field
    text: str


@dataclass
class Submission:
    instance_id: str
    xml: bytes
    files: dict[str, bytes] = field(default_factory=dict)
    values: list[SentValue] = field(default_factory=list)
    rows: dict[str, str] = field(default_factory=dict)  # row key -> the repeat xpath ("" root)
    audit: list[list[str]] = field(default_factory=list)  # events of the client audit log sent


def fill(
    xform: bytes,
    schema: FormSchema,
    seed: int,
    *,
    entity: dict[str, str] | None = None,
    answers: dict[str, str] | None = None,
) -> Submission:
    """A submission of the form whose every question is answered (`answers` sets some by
    xpath); `entity` sets the attributes of meta/entity (a registration or a follow-up) and,
    under "label", its label."""
    rng = random.Random(seed)
    model = etree.fromstring(xform).find(f".//{{{XF}}}model")
    template = next(iter(model.find(f"{{{XF}}}instance")))
    root = copy.deepcopy(template)
    instance_id = f"uuid:{UUID(int=rng.getrandbits(128), version=4)}"
    sent = Submission(instance_id, b"")
    sent.rows[instance_id] = ""
    _fill(root, schema.root_path, instance_id, (), schema, rng, sent, answers or {})
    meta = next((c for c in root if etree.QName(c).localname == "meta"), None)
    assert meta is not None, "every form here has meta/instanceID"
    for child in meta:
        name = etree.QName(child).localname
        if name == "instanceID":
            child.text = instance_id
        elif name == "audit":  # a client audit log, as Collect writes it
            sent.audit = _audit_events(schema, rng)
            lines = ["event,node,start,end,latitude,longitude,accuracy,old-value,new-value"]
            lines += [",".join(event) for event in sent.audit]
            sent.files["audit.csv"] = ("\n".join(lines) + "\n").encode()
            child.text = "audit.csv"
        elif name == "entity" and entity is not None:
            for attribute, value in entity.items():
                if attribute == "label":
                    child.find(f"{{{XF}}}label").text = value
                else:
                    child.set(attribute, value)
    sent.xml = etree.tostring(_plain(root), xml_declaration=True, encoding="utf-8")
    return sent


def _fill(element, path, key, below, schema, rng, sent, answers) -> None:
    repeats = {r.xpath for r in schema.repeats}
    children = list(element)
    done: set[str] = set()
    for child in children:
        name = etree.QName(child).localname
        child_path = f"{path}/{name}"
        if child_path in repeats:
            element.remove(child)
            if child_path in done:
                continue
            done.add(child_path)
            for n in range(1, rng.randint(1, 3) + 1):
                instance = copy.deepcopy(child)
                instance.attrib.pop(JR_TEMPLATE, None)
                element.append(instance)
                row = f"{key}{''.join('/' + b for b in below)}/{name}[{n}]"
                sent.rows[row] = child_path
                _fill(instance, child_path, row, (), schema, rng, sent, answers)
        elif len(child):
            if name == "meta" and path == schema.root_path:
                continue
            _fill(child, child_path, key, (*below, name), schema, rng, sent, answers)
        else:
            found = schema.field(child_path)
            if found is None or not found.has_column:
                continue
            text = answers.get(child_path) or _value(found, schema, rng, sent)
            child.text = text
            if text:
                sent.values.append(SentValue(key, child_path, (*below, name), found, text))
    # Repeats go back where the form has them: after the siblings that precede them.
    _order(element, children)


def _order(element, original) -> None:
    names = []
    for child in original:
        name = etree.QName(child).localname
        if name not in names:
            names.append(name)
    element[:] = sorted(element, key=lambda c: names.index(etree.QName(c).localname))


def _value(f: Field, schema: FormSchema, rng: random.Random, sent: Submission) -> str:
    if f.name in ("deviceid", "username") or f.kind in ("deviceid", "username"):
        return f"collect:{rng.randint(1000, 9999)}"
    data_type = f.data_type
    if data_type is DataType.INT:
        return str(rng.randint(1, 10) if f.kind == "range" else rng.randint(-5000, 250_000))
    if data_type is DataType.DECIMAL:
        if f.kind == "range":
            return rng.choice(("0.25", "0.5", "0.75"))
        return f"{rng.randint(-9000, 900_000)}.{rng.randint(0, 99):02d}"
    if data_type is DataType.DATE:
        return (date(1950, 1, 1) + timedelta(days=rng.randint(0, 27_000))).isoformat()
    if data_type is DataType.DATETIME:
        day = date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
        zone = rng.choice(("+00:00", "+01:00", "-05:30"))
        return f"{day}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:07.123{zone}"
    if data_type is DataType.TIME:
        return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00.000+00:00"
    if data_type is DataType.GEOPOINT:
        return _point(rng)
    if data_type in (DataType.GEOTRACE, DataType.GEOSHAPE):
        points = [_point(rng) for _ in range(3)]
        return ";".join(points + [points[0]] if data_type is DataType.GEOSHAPE else points)
    if data_type is DataType.BINARY:
        extension = {"image": "jpg", "audio": "m4a", "video": "mp4"}.get(f.kind, "pdf")
        name = f"{f.name}-{rng.randint(10**6, 10**7)}.{extension}"
        sent.files[name] = f"{f.xpath} {name}".encode() * 50
        return name
    choices = schema.choice_lists.get(f.choice_list or "")
    if f.kind == "select_one" and choices and choices.choices:
        return rng.choice(choices.choices).name
    if f.kind in ("select_multiple", "rank") and choices and choices.choices:
        names = [c.name for c in choices.choices]
        rng.shuffle(names)
        return " ".join(names[: len(names) if f.kind == "rank" else rng.randint(1, len(names))])
    if f.kind == "select_one":  # a list from a file the form has as media
        return rng.choice(("kita", "bafoulabe"))
    if f.kind == "acknowledge":
        return "OK"
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))


def _audit_events(schema: FormSchema, rng: random.Random) -> list[list[str]]:
    start = 1_764_000_000_000 + rng.randint(0, 10**9)
    events = [["form start", "", str(start), "", "", "", "", "", ""]]
    for n, f in enumerate(f for f in schema.fields if f.control == "input"):
        at = start + 1000 * (n + 1)
        events.append(["question", f.xpath, str(at), str(at + 900), "", "", "", "", ""])
    events.append(["form exit", "", str(start + 60_000), "", "", "", "", "", ""])
    return events


def _point(rng: random.Random) -> str:
    lat = f"{rng.uniform(-30, 30):.6f}"
    lon = f"{rng.uniform(-20, 20):.6f}"
    return f"{lat} {lon} {rng.randint(0, 900)}.5 {rng.randint(1, 20)}.0"


def _plain(root):
    """The instance as a device sends it: elements in no namespace, no jr:template."""
    for element in root.iter():
        element.tag = etree.QName(element).localname
        element.attrib.pop(JR_TEMPLATE, None)
    etree.cleanup_namespaces(root)
    return root
