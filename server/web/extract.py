"""A Babel extractor for the message templates of the error codes (ProblemCode, StorageCode,
ConversionCode): the web interface shows them in the page's language (babel.cfg uses it)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import IO, Any


def enum_messages(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, None, str, list[str]]]:
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if not (isinstance(node, ast.ClassDef) and node.name.endswith("Code")):
            continue
        for statement in node.body:
            if isinstance(statement, ast.Assign):
                template = _template(statement.value)
                if template is not None:
                    yield statement.lineno, None, template, []


def _template(value: ast.expr) -> str | None:
    """The message of a code written ``NAME = (404.1, "template")`` (or, plainly, a string)."""
    if isinstance(value, ast.Tuple) and value.elts:
        value = value.elts[-1]
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    return None
