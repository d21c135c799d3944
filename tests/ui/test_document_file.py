"""The document owns the scenario's file: its path, the text saving merges into, the migration.

The model carries none of it (no re-grafted copies); the document says when it was saved.
"""

from __future__ import annotations

from dataclasses import fields, replace
import shutil

import pytest

from simulator.model.scenario import Scenario, ScenarioFile, load, read
from ui.document import Document
from uihelpers import DEFAULT


def test_the_model_knows_nothing_of_its_file():
    assert {f.name for f in fields(Scenario)}.isdisjoint({"source_text", "migrated_from", "path", "file"})
    scenario, file = read(DEFAULT)
    assert file == ScenarioFile(DEFAULT, DEFAULT.read_text(encoding="utf-8"), None)
    assert scenario == load(DEFAULT)


def test_saving_merges_into_the_file_and_tells_who_listens(qtbot, tmp_path):
    path = tmp_path / "erp.toml"
    shutil.copy(DEFAULT, path)
    scenario, file = read(path)
    doc = Document(scenario, file)
    assert doc.path == path and doc.saved_scenario == scenario and doc.file.text == path.read_text(encoding="utf-8")
    changed = replace(scenario, seed=4242)
    assert doc.propose(changed, "New seed") == [] and doc.modified
    assert doc.saved_scenario == scenario          # the file still holds the old seed
    with qtbot.waitSignal(doc.saved, timeout=1000):
        doc.save(path)
    text = path.read_text(encoding="utf-8")
    assert "seed = 4242" in text and "# ERP vs. new production line: the default investsim scenario." in text
    assert doc.file == ScenarioFile(path, text) and doc.saved_scenario == changed and not doc.modified


def test_a_failed_save_changes_nothing(qtbot, tmp_path):
    scenario, file = read(DEFAULT)
    doc = Document(scenario, file)
    doc.propose(replace(scenario, seed=7), "New seed")
    blocked = tmp_path / "blocked.toml"
    blocked.mkdir()                                # a folder stands where the file should go
    with pytest.raises(OSError):
        doc.save(blocked)
    assert doc.file == file and doc.saved_scenario == scenario and doc.modified


def test_an_untitled_copy_keeps_the_examples_comments_for_its_first_save(qtbot, tmp_path):
    scenario, file = read(DEFAULT)
    doc = Document()
    doc.replace_all(scenario, ScenarioFile(text=file.text), origin=scenario.title)
    assert doc.path is None and doc.display_name() == "Untitled"
    doc.save(tmp_path / "mine.toml")
    assert (tmp_path / "mine.toml").read_text(encoding="utf-8") == file.text
    assert doc.path == tmp_path / "mine.toml"
