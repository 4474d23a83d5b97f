"""A Babel extractor for the error messages kept as Enum values (ProblemCode, StorageCode,
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
            if (
                isinstance(statement, ast.Assign)
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
            ):
                yield statement.lineno, None, statement.value.value, []
