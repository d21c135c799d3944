"""Opening a file in an older format: the window says it was migrated and what saving does;
the first save keeps the original beside it. (Format 1 is the first real format, so the
older "format 0" here is the made-up one of tests/test_migration.py.)"""

from __future__ import annotations

import tomllib

from simulator.model import scenario as sc

from test_migration import FORMAT_0, migrate_0_to_1  # tests/ is on sys.path


def test_an_older_file_opens_says_so_and_its_original_is_kept_on_save(make_window, tmp_path, monkeypatch):
    monkeypatch.setattr(sc, "MIGRATIONS", {0: migrate_0_to_1})
    path = tmp_path / "old.toml"
    path.write_text(FORMAT_0, encoding="utf-8")
    window = make_window(path, copy=False)
    assert window.doc.scenario.horizon_years == 3 and window.doc.scenario.discount_rate == 0.08
    text = window.banner.text()
    assert window.banner.isVisible() and window.banner.level == "info"
    assert "old.toml" in text and "format 0" in text and "old.toml.format-0.bak" in text
    assert window.save()
    assert (tmp_path / "old.toml.format-0.bak").read_text(encoding="utf-8") == FORMAT_0
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == sc.FORMAT_VERSION and data["horizon_years"] == 3 and "years" not in data
