"""Fast checks of the PyInstaller spec (``build/investsim.spec``), without PyInstaller.

The build itself is ``make package-test``; these keep the spec honest between builds: it
parses, every exclusion says why, nothing the platform notes warn about creeps in, and the
app does not start importing what the spec leaves out.
"""

from __future__ import annotations

import ast
import io
import os
from pathlib import Path
import re
import tokenize

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "build" / "investsim.spec"
TABLES = ("EXCLUDES", "MPL_BACKENDS", "DROP_QT_PLUGINS", "DROP_DATA", "SYSTEM_LIBRARIES",
          "PURE_PYTHON_INSTEAD", "STRIP_DEBUG_INFO")


def spec_source() -> str:
    return SPEC.read_text(encoding="utf-8")


def spec_tree() -> ast.Module:
    return ast.parse(spec_source(), filename=str(SPEC))


def table_nodes() -> dict[str, ast.List]:
    out = {}
    for node in spec_tree().body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in TABLES:
                out[node.targets[0].id] = node.value
    return out


def tables() -> dict:
    return {name: ast.literal_eval(node) for name, node in table_nodes().items()}


def comments_by_line() -> dict[int, str]:
    out = {}
    for tok in tokenize.generate_tokens(io.StringIO(spec_source()).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = tok.string.lstrip("#").strip()
    return out


def spec_functions(*names: str) -> dict:
    """The named module-level functions of the spec, compiled with the tables they read."""
    tree = spec_tree()
    keep = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in names]
    keep += [n for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)
             and n.targets[0].id in TABLES]
    namespace = {"os": os, "Path": Path, "re": re}
    exec(compile(ast.Module(body=keep, type_ignores=[]), str(SPEC), "exec"), namespace)
    return namespace


def test_the_spec_parses_and_has_every_table():
    found = tables()
    assert set(found) == set(TABLES)
    assert all(found[name] for name in TABLES), "an empty table: delete it from the spec and TABLES"


def test_every_exclusion_says_why():
    comments = comments_by_line()
    missing = []
    for name, node in table_nodes().items():
        for element in node.elts:
            if name == "DROP_DATA":   # (prefix, reason) pairs carry their reason as text
                reason = ast.literal_eval(element)[1]
            else:
                reason = comments.get(element.end_lineno, "")
            if len(reason) < 8:
                missing.append(f"{name}: {ast.unparse(element)} (line {element.lineno})")
    assert not missing, "give each entry a reason in a comment on its line:\n" + "\n".join(missing)


def test_no_blanket_collection_and_no_global_strip():
    text = spec_source()
    assert not re.search(r"collect_all\s*\(", text), "no collect_all: let the hooks pick what is imported"
    assert "strip=True" not in text, "strip=True breaks numpy's OpenBLAS (../shared/PLATFORM.md)"
    assert re.search(r"console\s*=\s*False", text), "the app is a windowed build"
    assert "build/work" in text or "workpath" in text


def test_what_the_platform_notes_say_to_keep_is_kept():
    found = tables()
    assert "unittest" not in found["EXCLUDES"], "pyparsing (hence matplotlib) imports unittest"
    assert "ctypes" not in found["EXCLUDES"], "numpy imports ctypes"
    assert "QtAgg" in found["MPL_BACKENDS"] and "SVG" in found["MPL_BACKENDS"]
    assert not any(rule.startswith(("numpy", "PySide6")) for rule in found["STRIP_DEBUG_INFO"]), \
        "numpy's OpenBLAS and the Qt libraries must not be stripped"
    kept_platforms = {"xcb", "offscreen", "minimal", "windows", "cocoa"}
    for folder, names in found["DROP_QT_PLUGINS"]:
        if folder == "platforms":
            assert names != "*" and not kept_platforms & set(names)


def imported_modules(folder: Path) -> dict[str, str]:
    """Every module imported anywhere under ``folder`` -> one file that imports it."""
    out = {}
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    out.setdefault(alias.name, str(path.relative_to(ROOT)))
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.setdefault(node.module, str(path.relative_to(ROOT)))
                for alias in node.names:
                    out.setdefault(f"{node.module}.{alias.name}", str(path.relative_to(ROOT)))
    return out


def test_the_app_imports_nothing_the_spec_leaves_out():
    excluded = tables()["EXCLUDES"]
    used = {**imported_modules(ROOT / "simulator"), **imported_modules(ROOT / "ui"), **imported_modules(ROOT / "cli")}
    clashes = [f"{module} (in {where})" for module, where in sorted(used.items())
               if any(module == ex or module.startswith(ex + ".") for ex in excluded)]
    assert not clashes, ("the app now imports modules build/investsim.spec excludes; take them off "
                         "EXCLUDES: " + ", ".join(clashes))


def test_the_app_picks_no_matplotlib_backend_the_package_lacks():
    backends = {b.lower() for b in tables()["MPL_BACKENDS"]}
    for folder in ("simulator", "ui", "cli"):
        for path in (ROOT / folder).rglob("*.py"):
            for name in re.findall(r"""matplotlib\.use\(\s*["']([^"']+)""", path.read_text(encoding="utf-8")):
                assert name.lower() in backends, f"{path}: matplotlib.use({name!r}) is not bundled"


@pytest.mark.parametrize("dest, dropped", [
    ("PySide6/Qt/plugins/platforms/libqxcb.so", False),
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", False),
    ("PySide6/plugins/platforms/qwindows.dll", False),
    ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", False),
    ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
    ("PySide6/Qt/plugins/platforms/libqeglfs.so", True),
    ("PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so", True),
    ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", True),
    ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", False),
    ("PySide6/Qt/plugins/imageformats/libqsvg.so", False),
    ("PySide6/plugins/imageformats/qico.dll", False),
    ("PySide6/Qt/plugins/imageformats/libqtiff.so", True),
    ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", False),
    ("PySide6/Qt/lib/libQt6Gui.so.6", False),
    ("matplotlib/plugins/platforms/whatever.so", False),
])
def test_qt_plugin_rules(dest, dropped):
    spec = spec_functions("qt_plugin_of", "plugin_rule")
    assert (spec["plugin_rule"](dest) is not None) == dropped


@pytest.mark.parametrize("dest, dropped", [
    ("PySide6/Qt/translations/qtbase_de.qm", True),
    ("matplotlib/mpl-data/sample_data/goog.npz", True),
    ("matplotlib/mpl-data/fonts/ttf/DejaVuSans.ttf", False),
    ("matplotlib/mpl-data/matplotlibrc", False),
    ("scenarios/erp-vs-production-line.toml", False),
])
def test_data_rules(dest, dropped):
    spec = spec_functions("data_rule")
    assert (spec["data_rule"](dest) is not None) == dropped


def test_the_spec_bundles_the_project_data():
    text = spec_source()
    for folder in ('"scenarios"', '"assets"', '"licenses"'):
        assert folder in text
    assert (ROOT / "scenarios").is_dir() and any((ROOT / "scenarios").glob("*.toml"))
    for name in ("LGPL-3.0.txt", "GPL-3.0.txt"):
        licence = ROOT / "build" / "licenses" / name
        assert licence.is_file() and "GNU" in licence.read_text(encoding="utf-8")[:300]


def test_the_bundled_data_go_where_importlib_resources_finds_them():
    """One table (simulator/resources.py) for the wheel, the packaged app and the finder."""
    import tomllib

    from simulator import resources

    spec = spec_functions("data_destination")
    spec["BUNDLED_PACKAGED"], spec["BUNDLED_SOURCE"] = resources.PACKAGED, resources.SOURCE
    assert "simulator/resources.py" in spec_source()
    for kind, source in resources.SOURCE.items():
        files = [p for p in (ROOT / source).rglob("*") if p.is_file()]
        assert files, f"nothing to bundle for {kind}"
        for path in files:
            rel = path.relative_to(ROOT)
            inside = Path(spec["data_destination"](rel)) / path.name
            assert inside == Path("simulator") / resources.PACKAGED[kind] / path.relative_to(ROOT / source)
    assert spec["data_destination"]("assets/investsim.desktop") == "assets"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    force = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force == {source: f"simulator/{resources.PACKAGED[kind]}" for kind, source in resources.SOURCE.items()}


def test_the_version_has_one_home():
    import importlib.metadata
    import tomllib

    from simulator import __version__

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert importlib.metadata.version("investsim") == __version__
