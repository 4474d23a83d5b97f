"""The layering promise: server -> storage -> converters, and converters stays pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("converters", "storage", "server")
ALLOWED = {"converters": set(), "storage": {"converters"}, "server": {"storage", "converters"}}
# Modules a pure converter must not reach for: I/O, time, randomness, the network.
IMPURE = {
    "os",
    "socket",
    "subprocess",
    "tempfile",
    "time",
    "uuid",
    "random",
    "sqlalchemy",
    "boto3",
    "botocore",
    "starlette",
    "httpx",
    "requests",
    "shutil",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_one_way(package):
    for path in _modules(package):
        project_imports = _imports(path) & set(PACKAGES) - {package}
        assert project_imports <= ALLOWED[package], f"{path} imports {project_imports}"


def test_converters_do_no_io():
    for path in _modules("converters"):
        assert not _imports(path) & IMPURE, f"{path} imports {_imports(path) & IMPURE}"


def test_modules_stay_small():
    for package in PACKAGES:
        for path in _modules(package):
            if "migrations/versions" in str(path):
                continue
            lines = len(path.read_text(encoding="utf-8").splitlines())
            assert lines <= 450, f"{path} has {lines} lines"
