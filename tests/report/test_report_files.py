"""What the app relies on: exports that report progress, can be cancelled, fail with a clear
OSError, and never leave a half-written file or damage the file they were replacing."""

from __future__ import annotations

import csv
import os

import pytest

from reportcases import ITERATIONS
from simulator.model.errors import Cancelled
from ui.report import WriteError, export_samples_csv, report_format, write_report

DEFAULT = "erp-vs-production-line"


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


@pytest.mark.parametrize("ext", ["pdf", "html", "xlsx"])
def test_progress_runs_to_the_end(ext, bundled_results, tmp_path):
    seen = []
    write_report(bundled_results[DEFAULT], tmp_path / f"r.{ext}", progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]
    assert all(0 < d <= t for d, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


@pytest.mark.parametrize("ext", ["pdf", "html", "xlsx"])
def test_cancel_stops_the_export_and_keeps_the_old_file(ext, bundled_results, tmp_path):
    target = tmp_path / f"r.{ext}"
    target.write_bytes(b"the report from last week")
    calls = {"n": 0}

    def cancel():
        calls["n"] += 1
        return calls["n"] > 2          # let it start, then stop it part way

    with pytest.raises(Cancelled):
        write_report(bundled_results[DEFAULT], target, cancel=cancel)
    assert target.read_bytes() == b"the report from last week"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("ext", ["pdf", "html", "xlsx"])
def test_a_failure_at_the_last_moment_leaves_nothing_half_written(ext, bundled_results, tmp_path, monkeypatch):
    target = tmp_path / f"r.{ext}"
    target.write_bytes(b"old")

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError) as info:
        write_report(bundled_results[DEFAULT], target)
    assert isinstance(info.value, WriteError)
    message = str(info.value)
    assert str(target) in message and "permission denied" in message and "\n" not in message
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_a_missing_folder_raises_a_clear_oserror(bundled_results, tmp_path):
    target = tmp_path / "gone" / "r.pdf"
    with pytest.raises(OSError, match="folder does not exist"):
        write_report(bundled_results[DEFAULT], target)
    assert not target.parent.exists()


def test_report_format_comes_from_the_extension():
    assert report_format("a/b/Case.PDF") == "pdf"
    assert report_format("x.htm") == "html" and report_format("x.html") == "html"
    assert report_format("x.xlsx") == "xlsx"
    with pytest.raises(ValueError, match=".pdf, .html or .xlsx"):
        report_format("x.docx")


def test_samples_csv_has_every_future_npv_and_yearly_cash(bundled_results, tmp_path):
    results = bundled_results[DEFAULT]
    target = tmp_path / "futures.csv"
    seen = []
    assert export_samples_csv(results, target, progress=lambda d, t: seen.append(d)) == ITERATIONS
    assert seen[-1] == ITERATIONS
    with open(target, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    horizon = results.scenario.horizon_years
    header = rows[0]
    assert header[0] == "future"
    assert len(header) == 1 + len(results.alternatives) * (horizon + 2) + len(results.inputs)   # then the input draws
    assert len(rows) == ITERATIONS + 1
    for a in results.alternatives:
        i = header.index(f"{a.name}: NPV")
        assert header[i + 1] == f"{a.name}: cash year 0" and header[i + horizon + 1] == f"{a.name}: cash year {horizon}"
        for r in (1, ITERATIONS):
            assert float(rows[r][i]) == pytest.approx(a.npv[r - 1], abs=0.006)
            assert float(rows[r][i + 1]) == pytest.approx(a.cash[r - 1, 0], abs=0.006)
            assert float(rows[r][i + horizon + 1]) == pytest.approx(a.cash[r - 1, horizon], abs=0.006)
    assert [int(r[0]) for r in rows[1:4]] == [1, 2, 3]


def test_samples_csv_cancel_and_failure(bundled_results, tmp_path, monkeypatch):
    results = bundled_results[DEFAULT]
    target = tmp_path / "futures.csv"
    with pytest.raises(Cancelled):
        export_samples_csv(results, target, cancel=lambda: True)
    assert not target.exists() and leftovers(tmp_path) == []
    with pytest.raises(OSError, match="does not exist"):
        export_samples_csv(results, tmp_path / "nope" / "f.csv")


@pytest.mark.parametrize("ext, magic", [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_a_chart_exports_as_it_is_on_screen(ext, magic, bundled_results, tmp_path):
    from matplotlib.figure import Figure

    from ui.charts import CHARTS, colors_for
    from ui.report import export_chart

    results = bundled_results[DEFAULT]
    fig = Figure(figsize=(14, 8), dpi=100)
    CHARTS[0].draw(fig, results, colors_for(results.names))
    size, dpi = tuple(fig.get_size_inches()), fig.dpi
    target = tmp_path / f"value.{ext}"
    export_chart(fig, target)
    assert target.read_bytes().startswith(magic)
    assert tuple(fig.get_size_inches()) == size and fig.dpi == dpi     # the on-screen figure is untouched
    with pytest.raises(ValueError, match=".png, .svg or .pdf"):
        export_chart(fig, tmp_path / "value.gif")
    with pytest.raises(OSError, match="does not exist"):
        export_chart(fig, tmp_path / "missing" / f"value.{ext}")
    assert leftovers(tmp_path) == []
