"""Older scenario formats: migrated when read, the original kept when first saved over.

The file layout has not changed since format 1 (the first format ever written; see
``simulator.model.scenario.MIGRATIONS``), so there is no real older format yet. These tests inject
a made-up "format 0" into the registry, with keys named differently, to exercise the
machinery a real layout change will use.
"""

from __future__ import annotations

import os
import stat

import pytest

from helpers import bundled_files
from simulator.model import scenario as sc
from simulator.model.errors import ScenarioError
from simulator.model.scenario import FORMAT_VERSION, backup_path, load, loads, migration_message, read, read_text, save

#: The made-up older layout: ``years`` and ``rate`` at the top, and each item's ``type``.
FORMAT_0 = """\
# Written by a pre-release investsim
format = 0
title = "Old file"
years = 3   # the horizon
rate = 0.08
iterations = 500

[[alternatives]]
name = "Keep going"   # the status quo

[[alternatives.items]]
name = "Upkeep"
type = "running_cost"
amount = 100
"""

#: The same scenario in today's layout.
FORMAT_1 = (FORMAT_0.replace("format = 0", "format = 1").replace("years = 3", "horizon_years = 3")
            .replace("rate = 0.08", "discount_rate = 0.08").replace('type = "running_cost"', 'kind = "running_cost"'))


def migrate_0_to_1(data):
    data["horizon_years"] = data.pop("years")
    data["discount_rate"] = data.pop("rate")
    for alt in data.get("alternatives", []):
        for item in alt.get("items", []):
            item["kind"] = item.pop("type")
    return data


@pytest.fixture
def format_0(monkeypatch):
    monkeypatch.setattr(sc, "MIGRATIONS", {0: migrate_0_to_1})


def test_there_is_no_real_older_format_yet():
    assert FORMAT_VERSION == 1 and sc.MIGRATIONS == {}
    for path in bundled_files():
        assert read(path)[1].migrated_from is None


def test_a_format_nobody_wrote_is_refused_with_what_is_readable(tmp_path):
    path = tmp_path / "old.toml"
    path.write_text(FORMAT_0)
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert [p.path for p in info.value.problems] == ["format"]
    assert "format 0 is not a format investsim has written; this version reads format 1" in str(info.value)


def test_an_older_file_is_migrated_in_memory_and_says_so(tmp_path, format_0):
    path = tmp_path / "old.toml"
    path.write_text(FORMAT_0)
    s, file = read(path)
    assert file.migrated_from == 0 and s.format == FORMAT_VERSION
    assert (s.horizon_years, s.discount_rate, s.alternatives[0].items[0].kind) == (3, 0.08, "running_cost")
    assert migration_message(file) == ("This file was written in format 0; it will be saved in format 1. "
                                          "The original is kept as old.toml.format-0.bak")
    assert path.read_text() == FORMAT_0  # reading never writes
    assert not backup_path(path, 0).exists()


def test_saving_over_the_original_keeps_it_once_as_a_backup(tmp_path, format_0):
    path = tmp_path / "old.toml"
    path.write_text(FORMAT_0)
    path.chmod(0o640)
    s, file = read(path)
    saved = save(s, path, file.text)
    backup = tmp_path / "old.toml.format-0.bak"
    assert backup.read_text() == FORMAT_0
    assert stat.S_IMODE(backup.stat().st_mode) == 0o640
    text = path.read_text()
    assert "format = 1" in text and "horizon_years = 3" in text and 'kind = "running_cost"' in text
    assert "years = 3" not in text.replace("horizon_years", "") and "type =" not in text
    assert "# Written by a pre-release investsim" in text and "# the status quo" in text
    assert saved.migrated_from is None and migration_message(saved) is None
    again, file = read(path)
    assert again == s == loads(FORMAT_1) and file.migrated_from is None
    # Later saves are ordinary ones: the backup stays the original, nothing else appears.
    save(again, path, file.text)
    assert backup.read_text() == FORMAT_0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.toml", "old.toml.format-0.bak"]


def test_an_existing_backup_is_never_overwritten(tmp_path, format_0):
    path = tmp_path / "old.toml"
    path.write_text(FORMAT_0)
    backup = backup_path(path, 0)
    backup.write_text("an earlier original")
    save(load(path), path)
    assert backup.read_text() == "an earlier original"
    assert "format = 1" in path.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.toml", "old.toml.format-0.bak"]


def test_saving_elsewhere_leaves_the_original_and_makes_no_backup(tmp_path, format_0):
    path = tmp_path / "old.toml"
    path.write_text(FORMAT_0)
    save(load(path), tmp_path / "new.toml")
    assert path.read_text() == FORMAT_0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.toml", "old.toml"]


def test_current_files_save_byte_for_byte_and_without_backup(tmp_path):
    for source in bundled_files():
        path = tmp_path / source.name
        path.write_bytes(source.read_bytes())
        scenario, file = read(path)
        save(scenario, path, file.text)
        assert path.read_bytes() == source.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".bak"]


def test_migrations_run_in_order_up_to_the_current_format(monkeypatch):
    steps = []

    def step(n):
        def migrate(data):
            steps.append((n, data["format"]))
            return data
        return migrate

    monkeypatch.setattr(sc, "FORMAT_VERSION", 3)
    monkeypatch.setattr(sc, "MIGRATIONS", {2: step(2), 0: step(0), 1: step(1)})
    s, file = read_text(FORMAT_1)
    assert file.migrated_from == 1 and steps == [(1, 1), (2, 2)]
    assert "format = 3" in sc.dumps(s)


def test_a_migration_that_cannot_read_the_data_names_the_format(format_0):
    broken = FORMAT_0.replace("years = 3   # the horizon\n", "")
    with pytest.raises(ScenarioError) as info:
        loads(broken, file="old.toml")
    assert info.value.file == "old.toml"
    assert [p.path for p in info.value.problems] == ["format"]
    assert "format 0 and could not be brought up to format 1" in str(info.value)


def test_a_migrated_file_still_reports_its_problems_with_field_paths(format_0):
    bad = FORMAT_0.replace("amount = 100", "amount = { dist = \"pert\", min = 1 }")
    with pytest.raises(ScenarioError) as info:
        loads(bad)
    assert any(p.path.startswith("alternatives[0].items[0].amount") for p in info.value.problems)


def test_a_backup_that_cannot_be_written_stops_the_save(tmp_path, format_0, monkeypatch):
    path = tmp_path / "old.toml"
    path.write_text(FORMAT_0)
    s = load(path)
    real = sc._write_atomic

    def failing(target, data, mode, *, overwrite=True):
        if not overwrite:
            raise PermissionError(13, "Permission denied", str(target))
        return real(target, data, mode, overwrite=overwrite)

    monkeypatch.setattr(sc, "_write_atomic", failing)
    with pytest.raises(OSError):
        save(s, path)
    assert path.read_text() == FORMAT_0
    assert os.listdir(tmp_path) == ["old.toml"]
