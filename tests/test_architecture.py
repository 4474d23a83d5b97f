"""The layering promise: server -> storage -> converters, and converters stays pure."""

from __future__ import annotations

import ast
import subprocess
import sys
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
    for package in (*PACKAGES, "programmes"):
        for path in _modules(package):
            if "migrations/versions" in str(path):
                continue
            lines = len(path.read_text(encoding="utf-8").splitlines())
            assert lines <= 450, f"{path} has {lines} lines"


# The returnee programme (issue 15): the core imports nothing from it, and it reaches the core
# through the hooks of server/plugins.py only.
PROGRAMME = ROOT / "programmes" / "returnees"
# The programme's layers follow the core's; each may use its own lower layers and the core's.
PROGRAMME_ALLOWED = {
    "converters": {"converters"},
    "storage": {"storage", "converters"},
    "server": {"server", "storage", "converters"},
    "web": {"server", "storage", "converters"},
}
# The core's wiring, which loads the programme by name: a programme that imported it would
# plug itself in around the hooks.
WIRING = {
    "server.app",
    "server.cli.main",
    "server.web",
    "server.submissions.intake",
    "server.submissions.stored",
}


def _imported_modules(path: Path) -> set[tuple[str, str]]:
    """(module, name) for every absolute import ("" as the name of `import module`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {(alias.name, "") for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {(node.module, alias.name) for alias in node.names}
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_the_core_imports_nothing_of_a_programme(package):
    for path in _modules(package):
        reached = {m for m, _name in _imported_modules(path) if m.split(".")[0] == "programmes"}
        assert not reached, f"{path} imports {reached}"


@pytest.mark.parametrize("layer", sorted(PROGRAMME_ALLOWED))
def test_the_programme_layers_point_one_way(layer):
    for path in sorted((PROGRAMME / layer).rglob("*.py")):
        for module, _name in _imported_modules(path):
            top = module.split(".")[0]
            if top == "programmes":
                inner = module.split(".")[2] if module.count(".") >= 2 else ""
                assert inner in PROGRAMME_ALLOWED[layer] | {layer}, f"{path} imports {module}"
            elif top in PACKAGES:
                assert top in PROGRAMME_ALLOWED[layer], f"{path} imports {module}"
        if layer == "converters":
            assert not _imports(path) & IMPURE, f"{path} imports {_imports(path) & IMPURE}"
    assert (PROGRAMME / layer / "__init__.py").is_file()


def test_the_programme_plugs_in_through_the_hooks_only():
    for path in sorted(PROGRAMME.rglob("*.py")):
        for module, name in _imported_modules(path):
            if module.split(".")[0] not in PACKAGES:
                continue
            assert module not in WIRING, f"{path} imports the core's wiring {module}"
            assert not name.startswith("_"), f"{path} imports {module}.{name}, a private name"
            if module == "server.plugins" and name == "Programme":
                assert path.name == "plugin.py", f"{path}: only plugin.py declares the programme"


def test_the_core_runs_with_no_programme_module_loaded(tmp_path):
    """Every core module imported and an app built and started with BAOBAB_PROGRAMMES empty,
    in a fresh interpreter: not one `programmes` module is loaded."""
    script = f"""
import importlib, pathlib, sys
from starlette.testclient import TestClient
root = pathlib.Path({str(ROOT)!r})
for package in {PACKAGES!r}:
    for path in sorted((root / package).rglob("*.py")):
        if "migrations" not in path.parts:
            importlib.import_module(".".join(path.relative_to(root).with_suffix("").parts))
from server.app import create_app
from server.settings import Settings
data = pathlib.Path({str(tmp_path)!r})
settings = Settings(data_dir=data, database_url=f"sqlite:///{{data}}/b.db",
                    blob_url=f"file://{{data}}/blobs", programmes=())
with TestClient(create_app(settings)) as client:
    assert client.get("/health").status_code == 200
    assert client.get("/v1/projects/1/datasets/returnees/duplicates").status_code == 404
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "programmes")
assert not loaded, loaded
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


# Issue 15: server/ and storage/ are split by reason to change. What stays at the top of each is
# what every family shares; a new module belongs in the family it changes with.
TOP_LEVEL = {
    "storage": {
        "__init__",
        "audit",
        "db",
        "errors",
        "projects",
        "sql_functions",
        "text_search",
        "types",
    },
    "server": {
        "__init__",
        "app",
        "auth",
        "body_limit",
        "clock",
        "downloads",
        "error_codes",
        "errors",
        "log_redaction",
        "plugins",
        "resolve",
        "security_headers",
        "sensitive",
        "services",
        "settings",
    },
}


@pytest.mark.parametrize("package", sorted(TOP_LEVEL))
def test_families_live_in_their_subpackages(package):
    top = {path.stem for path in (ROOT / package).glob("*.py")}
    assert top == TOP_LEVEL[package], f"{package}/ top level: {sorted(top ^ TOP_LEVEL[package])}"
    for directory in (ROOT / package).iterdir():
        if directory.is_dir() and any(directory.glob("*.py")):
            assert (directory / "__init__.py").is_file(), f"{directory} is not a package"
