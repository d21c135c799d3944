"""``investsim report`` as a user meets it, in a separate process with no display: figures
that match ``investsim run --json``, and clear one-line errors for files it cannot write."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from reportcases import DEFAULT, ITERATIONS, investsim, pdf_pages, squash
from simulator.analysis import formatting as fmt

SEED = 11


def headline_scale(run_json) -> fmt.Scale:
    """The money unit of the run's key figures, from the JSON's raw numbers."""
    return fmt.money_scale(a["npv"][k] for a in run_json["alternatives"] for k in ("mean", "p10", "p90"))


@pytest.fixture(scope="module")
def run_json():
    out = investsim("run", str(DEFAULT), "--iterations", str(ITERATIONS), "--seed", str(SEED), "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_pdf_from_the_command_line_matches_run_json(run_json, tmp_path):
    target = tmp_path / "case.pdf"
    out = investsim("report", str(DEFAULT), "--out", str(target), "--iterations", str(ITERATIONS), "--seed", str(SEED))
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert target.is_file() and target.read_bytes().startswith(b"%PDF")
    assert str(target) in out.stdout
    text = squash(" ".join(pdf_pages(target)))
    cur = run_json["currency"]
    scale = headline_scale(run_json)
    for alt in run_json["alternatives"]:
        assert squash(alt["name"]) in text
        assert squash(fmt.money(alt["npv"]["mean"], cur, scale=scale)) in text
        assert squash(fmt.middle_80(alt["npv"]["p10"], alt["npv"]["p90"], cur, scale=scale)) in text
        assert squash(fmt.percent(alt["prob_loss"])) in text
        assert squash(fmt.percent(run_json["comparison"]["prob_best"][alt["name"]])) in text
    assert squash(run_json["evppi"]["sentence"]) in text
    assert squash(f"seed {SEED}") in text
    # the page tells how to reproduce it, and that command gives the same figures
    assert squash(f"investsim run {DEFAULT.name} --iterations {ITERATIONS} --seed {SEED} --json") in text
    assert not list(tmp_path.glob(".*.part"))


def test_excel_from_the_command_line_matches_run_json_exactly(run_json, tmp_path):
    target = tmp_path / "case.xlsx"
    out = investsim("report", str(DEFAULT), "-o", str(target), "-n", str(ITERATIONS), "--seed", str(SEED))
    assert out.returncode == 0, out.stderr
    ws = load_workbook(target)["Summary"]
    header = [c.value for c in ws[4]]
    col = header.index("Expected NPV") + 1
    loss = header.index("Chance of losing money") + 1
    for i, alt in enumerate(run_json["alternatives"]):
        assert ws.cell(5 + i, 1).value == alt["name"]
        assert ws.cell(5 + i, col).value == pytest.approx(alt["npv"]["mean"], rel=1e-15)  # Excel keeps 15-16 digits
        assert ws.cell(5 + i, loss).value == alt["prob_loss"]


def test_html_from_the_command_line(run_json, tmp_path):
    target = tmp_path / "case.html"
    out = investsim("report", str(DEFAULT), "--out", str(target), "-n", str(ITERATIONS), "--seed", str(SEED))
    assert out.returncode == 0, out.stderr
    raw = target.read_text(encoding="utf-8")
    for alt in run_json["alternatives"]:
        assert fmt.money(alt["npv"]["mean"], run_json["currency"], scale=headline_scale(run_json)) in raw


def _assert_clear_failure(out, target: Path, *words: str) -> None:
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    assert str(target) in lines[0]
    for w in words:
        assert w in lines[0]


def test_a_missing_folder_is_a_clear_error_and_writes_nothing(tmp_path):
    target = tmp_path / "no" / "such" / "folder" / "case.pdf"
    out = investsim("report", str(DEFAULT), "--out", str(target), "-n", "500")
    _assert_clear_failure(out, target, "does not exist")
    assert not target.parent.exists()


def test_a_folder_of_the_same_name_is_a_clear_error(tmp_path):
    target = tmp_path / "case.xlsx"
    target.mkdir()
    out = investsim("report", str(DEFAULT), "--out", str(target), "-n", "500")
    _assert_clear_failure(out, target, "folder")
    assert target.is_dir() and not any(target.iterdir())


def test_a_file_in_place_of_the_folder_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    target = tmp_path / "notes.txt" / "case.html"
    out = investsim("report", str(DEFAULT), "--out", str(target), "-n", "500")
    _assert_clear_failure(out, target)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write to read-only folders")
def test_a_read_only_folder_is_a_clear_error_and_leaves_nothing(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        target = folder / "case.pdf"
        out = investsim("report", str(DEFAULT), "--out", str(target), "-n", "500")
        _assert_clear_failure(out, target, "permission denied")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_a_bad_extension_and_bad_iterations_are_bad_input(tmp_path):
    out = investsim("report", str(DEFAULT), "--out", str(tmp_path / "case.docx"))
    assert out.returncode == 2 and ".pdf, .html or .xlsx" in out.stderr and "Traceback" not in out.stderr
    out = investsim("report", str(DEFAULT), "--out", str(tmp_path / "case.pdf"), "--iterations", "0")
    assert out.returncode == 2 and "--iterations" in out.stderr and "Traceback" not in out.stderr
    assert not list(tmp_path.iterdir())
