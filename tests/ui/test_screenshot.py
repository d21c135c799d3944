"""``investsim gui FILE --screenshot OUT.png``: a whole process, offscreen, as in the README."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from uihelpers import DEFAULT, ROOT


def gui(*args: str, timeout: int = 180) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "cli", "gui", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout)


@pytest.mark.slow
@pytest.mark.parametrize("tab", [None, "value"])
def test_screenshot_writes_a_png_of_the_requested_size(tmp_path, tab):
    out = tmp_path / "shot.png"
    args = [str(DEFAULT), "--screenshot", str(out), "--size", "1200x800"]
    if tab:
        args += ["--tab", tab]
    proc = gui(*args)
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(out))
    assert not image.isNull()
    assert (image.width(), image.height()) == (1200, 800)
    # not a blank picture: plenty of different colours
    colours = {image.pixel(x, y) for x in range(0, 1200, 37) for y in range(0, 800, 23)}
    assert len(colours) > 8
    assert black_share(image) < 0.05


def black_share(image: QImage) -> float:
    """The share of a grid of pixels that are pure black: an unpainted chart panel (about half
    the window) is black in a grab; text and lines are a few per cent at most."""
    grid = [image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 5)]
    return sum(1 for p in grid if p & 0xFFFFFF == 0) / len(grid)


@pytest.mark.slow
@pytest.mark.parametrize("tab", ["risk", "cash", "margin", "head_to_head", "drivers_of_uncertainty",
                                 "worth_finding_out", "value_sources"])
def test_every_chart_tab_is_painted_in_a_screenshot(tmp_path, tab):
    """Each chart tab shows its picture (seven of them once came out as a black panel)."""
    out = tmp_path / f"{tab}.png"
    proc = gui(str(DEFAULT), "--screenshot", str(out), "--size", "1024x768", "--tab", tab)
    assert proc.returncode == 0, proc.stderr
    assert black_share(QImage(str(out))) < 0.05


@pytest.mark.slow
def test_screenshot_of_the_portfolio_tab_waits_for_its_answer(tmp_path):
    # the Portfolio tab exists only once a file with a [portfolio] table is open, and its
    # answer comes from a solve after the run: the picture shows the chosen set
    out = tmp_path / "portfolio.png"
    proc = gui(str(ROOT / "scenarios" / "portfolio-capital-budget.toml"), "--screenshot", str(out), "--tab",
               "portfolio", "--size", "1280x720")
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 720)
    # an unknown tab is still refused at once, naming the tabs there are
    bad = gui(str(DEFAULT), "--screenshot", str(tmp_path / "x.png"), "--tab", "nonsense")
    assert bad.returncode == 2 and "--tab must be one of" in bad.stderr


@pytest.mark.slow
def test_screenshot_of_a_broken_file_fails_cleanly(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("format = 1\ntitle = 3\n", encoding="utf-8")
    proc = gui(str(bad), "--screenshot", str(tmp_path / "x.png"))
    assert proc.returncode == 2
    assert "title" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("args, words", [
    (["--size", "big"], "--size"),
    (["--tab", "nonsense"], "--tab must be one of"),
])
def test_bad_options_are_reported_without_a_traceback(tmp_path, args, words):
    proc = gui(str(DEFAULT), "--screenshot", str(tmp_path / "x.png"), *args, timeout=60)
    assert proc.returncode == 2
    assert words in proc.stderr and "Traceback" not in proc.stderr
