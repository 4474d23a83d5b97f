"""Labels from an XForm: itext translations per language, label/hint elements, choice lists."""

from __future__ import annotations

import re
from collections.abc import Mapping

from lxml import etree

from converters.form_model import Choice, ChoiceList
from converters.safe_xml import element_children, local_name

XF = "http://www.w3.org/2002/xforms"
DEFAULT_LANGUAGE = "default"
_ITEXT_REF = re.compile(r"jr:itext\(\s*'([^']+)'\s*\)")
_TRUE = {"true()", "true", "1", "yes"}


def element_text(element: etree._Element) -> str:
    """Text of a label or itext value, with <output value="..."/> shown as its expression."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and local_name(child) == "output":
            parts.append("${" + (child.get("value") or "").strip() + "}")
        elif isinstance(child.tag, str):
            parts.append(element_text(child))
        parts.append(child.tail or "")
    return "".join(parts).strip()


def read_translations(model: etree._Element) -> tuple[dict[str, dict[str, str]], str | None]:
    translations: dict[str, dict[str, str]] = {}
    default = None
    for translation in model.iterfind(f"{{{XF}}}itext/{{{XF}}}translation"):
        lang = translation.get("lang") or DEFAULT_LANGUAGE
        if (translation.get("default") or "").strip() in _TRUE:
            default = lang
        texts = translations.setdefault(lang, {})
        for text in translation.iterfind(f"{{{XF}}}text"):
            values = text.findall(f"{{{XF}}}value")
            plain = [v for v in values if v.get("form") in (None, "", "long")] or values[:1]
            if plain and text.get("id"):
                texts[text.get("id", "")] = element_text(plain[0])
    if default is None and translations:
        default = next(iter(translations))
    return translations, default


def read_labels(
    element: etree._Element | None, tag: str, translations: Mapping[str, Mapping[str, str]]
) -> dict[str, str]:
    if element is None:
        return {}
    label = element.find(f"{{{XF}}}{tag}")
    if label is None:
        return {}
    ref = _ITEXT_REF.search(label.get("ref") or "")
    if ref:
        return {
            lang: texts[ref.group(1)]
            for lang, texts in translations.items()
            if ref.group(1) in texts
        }
    text = element_text(label)
    return {DEFAULT_LANGUAGE: text} if text else {}


def read_choice_lists(
    model: etree._Element,
    translations: Mapping[str, Mapping[str, str]],
    inline: Mapping[str, ChoiceList],
) -> dict[str, ChoiceList]:
    lists: dict[str, ChoiceList] = {}
    for instance in model.iterfind(f"{{{XF}}}instance[@id]"):
        list_id = instance.get("id", "")
        if instance.get("src"):
            lists[list_id] = ChoiceList(list_id, (), instance.get("src"))
            continue
        root = element_children(instance)
        items = root[0].iterfind(f"{{{XF}}}item") if root else iter(())
        choices = []
        for item in items:
            values = {local_name(c): (c.text or "").strip() for c in element_children(item)}
            name = values.pop("name", "")
            itext_id = values.pop("itextId", None)
            inline_label = values.pop("label", None)
            if itext_id:
                labels = {
                    lang: texts[itext_id]
                    for lang, texts in translations.items()
                    if itext_id in texts
                }
            else:
                labels = {DEFAULT_LANGUAGE: inline_label} if inline_label else {}
            choices.append(Choice(name, labels, values))
        lists[list_id] = ChoiceList(list_id, tuple(choices))
    lists.update(inline)
    return lists
