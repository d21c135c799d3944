"""Where ``investsim report`` writes (issue 13, point 6): refusals come before the
simulation, the scenario itself is never overwritten, an overwritten report keeps its
permissions, and a symbolic link is written through (it stays a link)."""

from __future__ import annotations

import os
import shutil
import stat

import pytest

import simulator.sim.engine
from reportcases import DEFAULT
from cli.main import main
from simulator.model.scenario import load, save
from ui.report._files import WriteError, atomic_path, check_writable


@pytest.fixture
def no_simulation(monkeypatch):
    """Fails the test if the report gets as far as simulating."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError("the report simulated before refusing")

    monkeypatch.setattr(simulator.sim.engine, "run", refuse)
    return calls


def test_a_missing_folder_is_refused_before_simulating(tmp_path, capsys, no_simulation):
    code = main(["report", str(DEFAULT), "--out", str(tmp_path / "missing" / "case.pdf"), "-n", "10000000"])
    err = capsys.readouterr().err
    assert code == 2 and not no_simulation
    assert err.strip() == f"investsim: cannot write {tmp_path / 'missing' / 'case.pdf'}: the folder does not exist"


def test_check_writable_raises_for_what_cannot_be_written(tmp_path):
    with pytest.raises(WriteError, match="the folder does not exist"):
        check_writable(tmp_path / "missing" / "x.pdf")
    (tmp_path / "dir.pdf").mkdir()
    with pytest.raises(WriteError, match="there is a folder of that name"):
        check_writable(tmp_path / "dir.pdf")
    with pytest.raises(WriteError, match="the file name is too long"):
        check_writable(tmp_path / ("x" * 300 + ".pdf"))
    with pytest.raises(WriteError, match="/proc is a system folder"):
        check_writable("/proc/case.pdf")
    check_writable(tmp_path / "fine.pdf")          # possible: no error, and no probe file left
    assert list(tmp_path.iterdir()) == [tmp_path / "dir.pdf"]


def test_a_report_over_its_own_scenario_is_refused(tmp_path, capsys, no_simulation):
    scenario = tmp_path / "case.html"
    shutil.copy(DEFAULT, scenario)
    before = scenario.read_bytes()
    for out in (scenario, tmp_path / "." / "case.html"):
        code = main(["report", str(scenario), "--out", str(out)])
        assert code == 2 and "is the scenario file itself" in capsys.readouterr().err
    link = tmp_path / "link.html"
    link.symlink_to(scenario)
    assert main(["report", str(scenario), "--out", str(link)]) == 2
    assert scenario.read_bytes() == before and not no_simulation


def test_overwriting_keeps_the_permissions_and_writes_through_a_link(tmp_path):
    target = tmp_path / "case.html"
    target.write_text("old")
    os.chmod(target, 0o600)
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o600

    link = tmp_path / "latest.html"
    link.symlink_to(target)
    with atomic_path(link) as tmp:
        tmp.write_text("newer")
    assert link.is_symlink() and target.read_text() == "newer"


def test_saving_a_scenario_through_a_link_writes_the_target(tmp_path):
    real = tmp_path / "real.toml"
    shutil.copy(DEFAULT, real)
    os.chmod(real, 0o640)
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    scenario = load(link)
    save(scenario.__class__(**{**scenario.__dict__, "title": "Renamed through a link"}), link)
    assert link.is_symlink() and load(real).title == "Renamed through a link"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.toml", "real.toml"]
