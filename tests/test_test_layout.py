"""The tests' own layering: what a test file imports besides fixtures comes from tests/support/
(or a helper module of its folder), never from a conftest.py or from another test module.
Fixtures are shared through the conftest.py files, which pytest finds without an import."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
FILES = sorted(TESTS.rglob("*.py"))


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every `from tests... import` and `import tests...` in the file's code
    (not in its strings: tests/storage/test_upgrade_from_main.py runs an old tree's code)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.append((node.lineno, "." * node.level + (node.module or "")))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, module) for line, module in found if module.startswith(("tests", "."))]


def test_nothing_imports_a_conftest_or_a_test_module():
    wrong = [
        f"{path.relative_to(TESTS)}:{line} imports {module}"
        for path in FILES
        for line, module in _imported_modules(path)
        if module.startswith(".")
        or module.rsplit(".", 1)[-1] == "conftest"
        or module.rsplit(".", 1)[-1].startswith("test_")
    ]
    assert wrong == [], "fixtures need no import; helpers go to tests/support/"


def test_support_modules_import_no_fixtures_and_no_tests():
    for path in sorted((TESTS / "support").glob("*.py")):
        for line, module in _imported_modules(path):
            assert module.startswith("tests.support."), f"{path}:{line} imports {module}"
