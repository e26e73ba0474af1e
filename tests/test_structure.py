"""The structure the code promises: arrows point one way and each area plugs in the same way."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from portal.areas import AREA_NAMES, Area, load_areas

PORTAL = Path(__file__).resolve().parent.parent / "portal"
# areas every other area may build on
SHARED_AREAS = ("accounts",)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PORTAL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every portal module a file imports (at any depth: local imports count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "portal" or name.startswith("portal.")}


def _area_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in AREA_NAMES else None


GRAPH = {_module_name(path): _imports(path) for path in PORTAL.rglob("*.py")}


def test_core_modules_import_no_area():
    for module, imported in GRAPH.items():
        if _area_of(module) is None:
            reached = sorted(name for name in imported if _area_of(name))
            assert not reached, f"{module} (core) imports areas: {reached}"


def test_areas_import_only_the_core_and_shared_areas():
    for module, imported in GRAPH.items():
        area = _area_of(module)
        if area is None:
            continue
        for name in imported:
            other = _area_of(name)
            assert other in (None, area, *SHARED_AREAS), f"{module} imports another area: {name}"


def test_no_import_cycle_among_portal_modules():
    modules = set(GRAPH)
    edges = {m: {n for n in GRAPH[m] if n in modules and n != m} for m in modules}
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in edges[module]:
            # a package imports its own submodules to declare itself; that is not a cycle
            if target.startswith(module + "."):
                continue
            if state.get(target) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path, module, target]))
            if target not in state:
                visit(target, [*path, module])
        state[module] = 2

    for module in sorted(modules):
        if module not in state:
            visit(module, [])


@pytest.mark.parametrize("area", load_areas(), ids=AREA_NAMES)
def test_each_area_is_one_folder_declaring_one_area(area: Area):
    assert (PORTAL / area.name / "__init__.py").exists()
    assert area.name in AREA_NAMES
    if area.blueprint is not None:
        assert area.access, f"{area.name} has routes but declares no access rows"
    for name in area.audit_actions:
        assert name.split(".")[0] in (area.name, "link", "user", "password", "2fa", "key"), name


def test_the_factory_is_the_only_place_that_lists_areas():
    listed = [path for path in PORTAL.rglob("*.py")
              if "AREA_NAMES = " in path.read_text(encoding="utf-8")]
    assert [p.name for p in listed] == ["areas.py"]


def test_every_setting_the_code_reads_is_documented():
    import re

    root = PORTAL.parent
    sources = [*PORTAL.rglob("*.py"), root / "gunicorn.conf.py", root / "app.py"]
    read = {name for path in sources
            for name in re.findall(r"PORTAL_[A-Z0-9_]+", path.read_text(encoding="utf-8"))}
    readme = (root / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Configuration"):]
    # a row may name a family as `PORTAL_ARGON2_TIME_COST` / `_MEMORY_COST`
    documented = set(re.findall(r"PORTAL_[A-Z0-9_]+", table))
    documented |= {f"PORTAL_ARGON2{suffix}" for suffix in re.findall(r"`(_[A-Z_]+)`", table)}
    assert sorted(read - documented) == []


def test_the_app_asks_once_whether_a_function_is_a_coroutine_and_keeps_nothing_alive(app):
    """Portal.ensure_sync remembers its answer per function, weakly: a coroutine is still refused
    as Flask refuses it (the portal has no async views), and a function made for one request is
    not kept once it is gone."""
    import gc

    import pytest

    def plain():
        return "plain"

    async def coroutine():
        return "done"

    assert app.ensure_sync(plain) is plain is app.ensure_sync(plain)
    for _ in range(2):
        with pytest.raises(RuntimeError):
            app.ensure_sync(coroutine)
    before = len(app._synchronous)

    def once():
        return None
    app.ensure_sync(once)
    assert len(app._synchronous) == before + 1
    del once
    gc.collect()
    assert len(app._synchronous) == before
