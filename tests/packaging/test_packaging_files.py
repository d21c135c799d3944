"""The packaging's own files: the Linux desktop entry, the icons at the sizes claimed, the
launcher's argument handling, the build script's names, the CI workflow."""

from __future__ import annotations

import importlib.util
from pathlib import Path
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET

import pytest

ROOT = Path(__file__).resolve().parents[2]
ICONS = ROOT / "assets" / "icons"
DESKTOP = ROOT / "assets" / "investsim.desktop"


def load_script(name: str):
    """A script of build/ as a module (build/ is not a package)."""
    path = ROOT / "build" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_build_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the desktop entry -----------------------------------------------------------------------
def desktop_entries() -> dict[str, dict[str, str]]:
    """Parse the file by the Desktop Entry Specification's rules (groups, key=value, comments);
    raise on anything else, and on a repeated key."""
    groups: dict[str, dict[str, str]] = {}
    current = None
    for number, line in enumerate(DESKTOP.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if m := re.fullmatch(r"\[([^\[\]]+)\]", line):
            assert m.group(1) not in groups, f"line {number}: group {m.group(1)} twice"
            current = groups[m.group(1)] = {}
            continue
        m = re.fullmatch(r"([A-Za-z0-9-]+(?:\[[^\]]+\])?)\s*=\s*(.*)", line)
        assert m and current is not None, f"line {number} is not key=value inside a group: {line!r}"
        assert m.group(1) not in current, f"line {number}: key {m.group(1)} twice"
        current[m.group(1)] = m.group(2)
    return groups


def test_desktop_entry_is_valid():
    groups = desktop_entries()
    assert list(groups)[0] == "Desktop Entry"
    entry = groups["Desktop Entry"]
    assert entry["Type"] == "Application"
    for key in ("Name", "Exec", "Icon", "Comment", "Categories"):
        assert entry.get(key), f"{key} is missing"
    assert entry["Version"] in ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5")
    for key in ("Terminal", "StartupNotify"):
        assert entry.get(key, "false") in ("true", "false")
    # Exec: the program, then at most one file field code; no deprecated or unknown codes.
    codes = re.findall(r"%(.)", entry["Exec"])
    assert set(codes) <= {"f", "F", "u", "U"} and len(codes) <= 1, entry["Exec"]
    assert entry["Exec"].split()[0] == "investsim"
    # Categories: a list ending in ';' with a registered main category.
    assert entry["Categories"].endswith(";")
    main = {"AudioVideo", "Audio", "Video", "Development", "Education", "Game", "Graphics", "Network",
            "Office", "Science", "Settings", "System", "Utility"}
    assert main & set(entry["Categories"].split(";"))
    # Icon: a theme name with the PNGs to install under it.
    assert "/" not in entry["Icon"] and not entry["Icon"].endswith((".png", ".svg"))
    assert (ICONS / f"{entry['Icon']}.svg").is_file()


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_desktop_file_validate_accepts_it():
    run = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


# -- the icons ----------------------------------------------------------------------------------
def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_svg_source_is_a_square_svg():
    root = ET.parse(ICONS / "investsim.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    x, y, w, h = map(float, root.get("viewBox").split())
    assert w == h


def test_pngs_exist_at_the_sizes_claimed():
    sizes = load_script("make_icons").PNG_SIZES
    assert {16, 32, 48, 256} <= set(sizes)
    found = {int(m.group(1)) for p in ICONS.glob("investsim-*.png") if (m := re.fullmatch(r"investsim-(\d+)\.png", p.name))}
    assert found == set(sizes)
    for size in sizes:
        assert png_size(ICONS / f"investsim-{size}.png") == (size, size)


def test_ico_and_icns_hold_the_sizes_claimed():
    from PIL import Image   # installed with matplotlib

    icons = load_script("make_icons")
    with Image.open(ICONS / "investsim.ico") as ico:
        assert {w for w, h in ico.info["sizes"]} == set(icons.ICO_SIZES)
    # ICNS: a list of (type, length) blocks; the PNG-carrying types and their pixel sizes.
    pixels = {b"ic07": 128, b"ic08": 256, b"ic09": 512, b"ic10": 1024, b"ic11": 32, b"ic12": 64,
              b"ic13": 256, b"ic14": 512}
    raw = (ICONS / "investsim.icns").read_bytes()
    assert raw[:4] == b"icns" and struct.unpack(">I", raw[4:8])[0] == len(raw)
    have, at = set(), 8
    while at < len(raw):
        kind, length = struct.unpack(">4sI", raw[at:at + 8])
        if kind in pixels:
            assert raw[at + 8:at + 16] == b"\x89PNG\r\n\x1a\n"
            assert struct.unpack(">II", raw[at + 24:at + 32]) == (pixels[kind], pixels[kind])
            have.add(pixels[kind])
        at += length
    assert have == set(icons.ICNS_SIZES)


def test_pngs_match_the_svg(qapp):
    """The committed PNGs are what build/make_icons.py renders from the SVG today."""
    from PIL import Image, ImageChops
    import io

    icons = load_script("make_icons")
    for size in (32, 256):
        fresh = Image.open(io.BytesIO(icons.render(size))).convert("RGBA")
        with Image.open(ICONS / f"investsim-{size}.png") as committed:
            diff = ImageChops.difference(fresh, committed.convert("RGBA"))
        worst = max(band_max for _, band_max in diff.getextrema())
        assert worst <= 8, f"investsim-{size}.png is stale: run build/make_icons.py"


# -- the launcher -------------------------------------------------------------------------------
def test_no_arguments_open_the_window_and_arguments_reach_the_command_line(tmp_path):
    launch = load_script("launch")
    assert launch.cli_args([]) == ["gui"]
    assert launch.cli_args(["-psn_0_12345"]) == ["gui"]
    assert launch.cli_args(["run", "x.toml", "--json"]) == ["run", "x.toml", "--json"]
    assert launch.cli_args(["--version"]) == ["--version"]
    scenario = tmp_path / "case.toml"
    scenario.write_text("format = 1\n")
    assert launch.cli_args([str(scenario)]) == ["gui", str(scenario)]          # dropped on the icon
    assert launch.cli_args([str(tmp_path / "missing.toml")]) == [str(tmp_path / "missing.toml")]


def test_the_frozen_app_keeps_matplotlib_cache_in_the_user_cache(monkeypatch, tmp_path):
    launch = load_script("launch")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("INVESTSIM_KEEP_MPLCONFIGDIR", raising=False)
    monkeypatch.setenv("MPLCONFIGDIR", "/tmp/somewhere-temporary")
    launch.use_user_cache_for_matplotlib()
    folder = Path(__import__("os").environ["MPLCONFIGDIR"])
    assert folder.is_dir() and tmp_path in folder.parents and folder.name == "matplotlib"


# -- the build script and the CI workflow -----------------------------------------------------
def test_package_script_names():
    package = load_script("package")
    from simulator import __version__

    assert package.version() == __version__
    assert re.fullmatch(r"(linux|windows|macos)-[a-z0-9_]+", package.platform_tag()), package.platform_tag()
    assert package.executable().parent == ROOT / "dist" / "investsim"
    assert package.WORK == ROOT / "build" / "work"


def test_ci_workflow_builds_and_tests_on_three_platforms():
    text = (ROOT / ".github" / "workflows" / "package.yml").read_text(encoding="utf-8")
    for runner in ("ubuntu-", "windows-", "macos-"):
        assert runner in text
    assert "build/package_test.py" in text and "actions/upload-artifact" in text
    assert "\t" not in text, "YAML must not contain tabs"
