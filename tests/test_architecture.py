"""The shape of the code: pure packages, three floors in `alliance.web`, imports only going down.

Every module under `src/alliance` is parsed with `ast`, so imports inside functions count as
much as those at the top. The floors and the named interfaces are data below;
docs/architecture.md draws them.
"""

from __future__ import annotations

import ast
import fnmatch
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# --------------------------------------------------------------------------- the rules as data

# Usable from a notebook: never Django, never the web layer, at any level.
PURE = ["instruments", "scoring", "monitoring", "transcripts", "research", "interop", "outcomes"]
# The pure packages' commands (`alliance.commands`) hold to the same rule: no Django.
WITHOUT_DJANGO = [*PURE, "commands"]

CORE, FEATURES, ENTRY = 0, 1, 2
FLOOR_NAMES = {CORE: "core", FEATURES: "features", ENTRY: "entry points"}

# Entry points: what composes features or starts the program. Matched first, by module name.
ENTRY_POINTS = [
    # The settings: which apps make up the program (INSTALLED_APPS), so that adding a feature
    # app touches the entry points only. Nothing imports them but Django (by name) and tests.
    "alliance.web.settings",
    "alliance.web.test_settings",
    "alliance.web.urls",  # the URL tree: every app's urls, each routing that app's pages
    "alliance.web.*.urls",
    "alliance.web.views",  # home page, health
    "alliance.web.server",
    "alliance.web.wsgi",
    "alliance.web.commands*",  # the command line: one module per area
    "alliance.web.*.management.commands.*",
    "alliance.web.demo",  # the whole demo practice, in order: `alliance demo` and its tests
    "alliance.web.*.demo",  # each app's part of the demo practice
    "alliance.web.worker",  # `alliance worker` runs every app's tasks
    "alliance.web.api.api",  # the JSON/FHIR API routes
    "alliance.web.api.routes*",
    "alliance.web.api.schemas",  # the routes' request and response shapes
    "alliance.web.api.urls",
    # The practice's outcome dashboards, a client's progress report and the outcome analyses:
    # pages over the answers (measures), the goal ratings (collaboration) and research consent.
    "alliance.web.outcomes*",
    # The pages that compose several features: caseload, client page, session page, prep.
    "alliance.web.pages*",
]
# Core: who, what was done, the clinical record, and the web layer's own plumbing.
CORE_APPS = ["accounts", "audit", "practice", "security", "crypto", "keyrotation"]
CORE_MODULES = [
    "alliance.web",
    "alliance.web.bootstrap",
    "alliance.web.charts",  # server-rendered SVG charts, for any page
    "alliance.web.forms",
    "alliance.web.benchfloor",
    "alliance.web.console_mail",
    "alliance.web.proxy",
]
FEATURE_APPS = [
    "api",
    "backups",
    "collaboration",
    "insights",
    "intake",
    "journal",
    "measures",
    "research",
    "rights",
    "transcripts",
    "webhooks",
]

# The named interfaces one feature offers the others (a registry they register into, or a
# signal they connect to): the only modules of a feature that another feature may import.
INTERFACES = [
    "alliance.web.measures.listeners",  # answers recorded → insights, webhooks
    "alliance.web.measures.answers",  # what was answered, as plain rows → insights, research...
    "alliance.web.transcripts.ruptures",  # confirmed rupture moments as plain rows → insights
    "alliance.web.transcripts.signals",  # a rupture moment confirmed → insights
    "alliance.web.insights.signals",  # an alert opened or resolved → webhooks
]

# Function-level imports of alliance.* need a comment on the same or the previous line saying
# which cycle or start-up cost they avoid. Commands and AppConfig.ready() need none: a command
# imports its work after setting Django up (and keeps `alliance --help` fast); ready() runs
# once the models are loaded.
LAZY_BY_RULE = [
    "alliance.cli",
    "alliance.commands.*",
    "alliance.web.commands.*",
    "alliance.web.*.management.commands.*",
]
LAZY_BY_RULE_NAMES = {"ready"}

# ------------------------------------------------------------------------------ the import map


@dataclass(frozen=True)
class Import:
    """One import statement's target, where it is, and whether it runs only inside a function."""

    module: str
    target: str
    line: int
    function: str | None
    commented: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted((SRC / "alliance").rglob("*.py"))}


def _resolve(name: str) -> str:
    """Return the longest prefix of `name` that is one of our modules (or `name` itself)."""
    known = modules()
    probe = name
    while probe:
        if probe in known:
            return probe
        probe = probe.rpartition(".")[0]
    return name


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, lines: list[str]) -> None:
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.lines = lines
        self.functions: list[str] = []
        self.found: list[Import] = []

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def _commented(self, node: ast.stmt) -> bool:
        same = self.lines[node.lineno - 1]
        before = self.lines[node.lineno - 2].strip() if node.lineno > 1 else ""
        return "#" in same or before.startswith("#")

    def _add(self, node: ast.stmt, target: str) -> None:
        function = self.functions[-1] if self.functions else None
        self.found.append(Import(self.module, target, node.lineno, function, self._commented(node)))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(
                node, _resolve(alias.name) if alias.name.startswith("alliance") else alias.name
            )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")[: len(self.package.split(".")) - (node.level - 1)]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        if not source.startswith("alliance"):
            self._add(node, source)
            return
        # `from alliance.web import forms` imports the module alliance.web.forms.
        for alias in node.names:
            self._add(node, _resolve(f"{source}.{alias.name}"))


@cache
def imports() -> tuple[Import, ...]:
    found: list[Import] = []
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        collector = _Collector(name, path.name == "__init__.py", text.splitlines())
        collector.visit(ast.parse(text, filename=str(path)))
        found.extend(collector.found)
    return tuple(found)


def _is(module: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(module, pattern) for pattern in patterns)


def app_of(module: str) -> str | None:
    """Return the web app (or top-level web module) a module belongs to."""
    parts = module.split(".")
    return parts[2] if parts[:2] == ["alliance", "web"] and len(parts) > 2 else None


def floor_of(module: str) -> int | None:
    """Return the floor of an `alliance.web` module (None outside the web layer)."""
    if not module.startswith("alliance.web"):
        return None
    if _is(module, ENTRY_POINTS):
        return ENTRY
    if module in CORE_MODULES or app_of(module) in CORE_APPS:
        return CORE
    if app_of(module) in FEATURE_APPS:
        return FEATURES
    raise AssertionError(f"{module} is on no floor: add its app to the lists in this test")


def web_edges() -> set[tuple[str, str]]:
    """Every (importing module, imported module) pair inside alliance.web."""
    return {
        (i.module, i.target)
        for i in imports()
        if i.module.startswith("alliance.web")
        and i.target.startswith("alliance.web")
        and i.target in modules()
        and i.module != i.target
    }


def upward_imports() -> set[tuple[str, str]]:
    return {(a, b) for a, b in web_edges() if floor_of(b) > floor_of(a)}


def sideways_imports() -> set[tuple[str, str]]:
    return {
        (app_of(a), app_of(b))
        for a, b in web_edges()
        if floor_of(a) == floor_of(b) == FEATURES and app_of(a) != app_of(b) and b not in INTERFACES
    }


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Return the strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def app_cycles() -> list[set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in web_edges():
        if floor_of(a) < ENTRY and floor_of(b) < ENTRY and app_of(a) != app_of(b):
            graph[app_of(a)].add(app_of(b))
    return _cycles(graph)


def module_cycles() -> list[set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for i in imports():
        if i.target.startswith("alliance") and i.target in modules() and i.target != i.module:
            graph[i.module].add(i.target)
    return _cycles(graph)


def unexplained_lazy_imports() -> set[tuple[str, str]]:
    return {
        (i.module, i.target)
        for i in imports()
        if i.function is not None
        and i.target.startswith("alliance")
        and not i.commented
        and not _is(i.module, LAZY_BY_RULE)
        and i.function not in LAZY_BY_RULE_NAMES
    }


# ------------------------------------------------------------------------------------ the tests


@pytest.mark.parametrize("package", WITHOUT_DJANGO)
def test_pure_package_never_imports_django_or_the_web_layer(package):
    offending = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in imports()
        if i.module.startswith(f"alliance.{package}")
        and (i.target.split(".")[0] == "django" or i.target.startswith("alliance.web"))
    ]
    assert offending == []


@pytest.mark.parametrize("package", WITHOUT_DJANGO)
def test_pure_package_loads_without_django(package):
    # Every module of the package, not only its __init__.
    names = sorted(
        m for m in modules() if m == f"alliance.{package}" or m.startswith(f"alliance.{package}.")
    )
    code = (
        f"import importlib, sys; [importlib.import_module(m) for m in {names!r}]; "
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_no_web_module_imports_the_top_level_cli():
    offending = [
        f"{i.module}:{i.line}"
        for i in imports()
        if i.module.startswith("alliance.web") and i.target in ("alliance.cli", "alliance.__main__")
    ]
    assert offending == []


def test_every_web_module_stands_on_a_floor():
    floors = {floor_of(m) for m in modules() if m.startswith("alliance.web")}
    assert floors == {CORE, FEATURES, ENTRY}


def test_the_floor_lists_name_only_real_apps():
    apps = {app_of(m) for m in modules() if app_of(m)}
    assert set(CORE_APPS) | set(FEATURE_APPS) <= apps
    assert not set(CORE_APPS) & set(FEATURE_APPS)


def test_imports_go_down_the_floors():
    upward = sorted(
        f"{a} ({FLOOR_NAMES[floor_of(a)]}) imports {b} ({FLOOR_NAMES[floor_of(b)]})"
        for a, b in upward_imports()
    )
    assert upward == [], "go through a named interface, or move the module to its floor"


def test_features_meet_only_through_named_interfaces():
    assert sideways_imports() == set(), "a feature imports another one: use an interface"


def test_web_apps_do_not_import_each_other_in_a_cycle():
    # Entry points are left out: they sit above every app and may import any of them.
    assert app_cycles() == []


def test_no_module_imports_itself_back():
    assert module_cycles() == []


def test_no_module_imports_another_modules_private_name():
    offending = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (
                node.level or (node.module or "").startswith("alliance")
            ):
                offending += [
                    f"{name}:{node.lineno} imports {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
    assert offending == [], "make the name public, or move it where it is used"


def test_function_level_imports_say_why():
    assert unexplained_lazy_imports() == set(), (
        "say on the line above which cycle or start-up cost this import avoids, or move it up"
    )


def test_the_document_names_every_floor_app_and_interface():
    doc = (SRC.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    picture = doc[doc.index("```") : doc.index("```", doc.index("```") + 3)]
    core = picture[picture.index(" core ") :]
    features = picture[picture.index(" features ") : picture.index(" core ")]
    assert [app for app in CORE_APPS if app not in core.replace(".py", "")] == []
    assert [app for app in FEATURE_APPS if app not in features] == []
    assert [name for name in INTERFACES if f"`{name}`" not in doc] == []
