"""Saving fails (read-only folder, full disk, locked file): the file on disk stays exactly as it
was, the work stays in the window (unsaved, undo intact) and a message names the file and why."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from simulator.model.scenario import load

from uihelpers import DEFAULT

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def edited(make_window, tmp_path):
    """A window on ``folder/erp.toml`` with one unsaved edit (a new seed)."""
    path = tmp_path / "folder" / "erp.toml"
    path.parent.mkdir()
    shutil.copy(DEFAULT, path)
    window = make_window(path, copy=False, wait=False)
    old_seed = window.doc.scenario.seed
    window.new_seed()
    return window, path, old_seed


def assert_nothing_lost(window, path: Path, old_seed: int, reason: str) -> None:
    """The old file is byte for byte the same, the edit is still there and undoable, and the
    banner names the file and the reason in words."""
    assert path.read_bytes() == DEFAULT.read_bytes()
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]   # no half-written file left
    text = window.banner.text()
    assert window.banner.isVisible() and window.banner.level == "error"
    assert str(path) in text and reason in text and "Traceback" not in text
    assert window.doc.modified and window.isWindowModified()
    new_seed = window.doc.scenario.seed
    assert new_seed != old_seed
    window.act_undo.trigger()
    assert window.doc.scenario.seed == old_seed
    window.act_redo.trigger()
    assert window.doc.scenario.seed == new_seed


@pytest.mark.parametrize("simulated", [pytest.param(False, marks=pytest.mark.skipif(
    AS_ROOT, reason="root may write into a read-only folder")), True], ids=["chmod", "simulated"])
def test_saving_into_a_read_only_folder(edited, monkeypatch, simulated):
    window, path, old_seed = edited
    folder = path.parent
    if simulated:   # root may write anyway: refuse as the system does for a user
        real = tempfile.mkstemp

        def mkstemp(*args, dir=None, **kwargs):  # noqa: A002 (tempfile.mkstemp's own keyword)
            if dir is not None and Path(dir) == folder:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))
            return real(*args, dir=dir, **kwargs)

        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    folder.chmod(0o555)
    try:
        assert not window.save()
    finally:
        folder.chmod(0o755)
    assert_nothing_lost(window, path, old_seed, "the folder may be read-only")


def test_saving_onto_a_full_disk_keeps_the_work_and_saves_later(edited, monkeypatch, answers):
    window, path, old_seed = edited

    def disk_full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as m:
        m.setattr(os, "fsync", disk_full)
        assert not window.save()
        assert_nothing_lost(window, path, old_seed, "the disk is full")
        answers.warning = QMessageBox.StandardButton.Save   # closing tries to save: it fails, so it stays open
        assert not window.close()
        assert window.isVisible() and window.doc.modified
    assert window.save()                                 # space was freed: the same work saves
    assert load(path).seed == window.doc.scenario.seed != old_seed


def test_saving_over_a_locked_file(edited, monkeypatch):
    window, path, old_seed = edited
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if Path(dst) == path:   # as Windows does while another program has the file open
            raise PermissionError(errno.EACCES, "The process cannot access the file because it is being "
                                                "used by another process", str(path))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    assert not window.save()
    assert_nothing_lost(window, path, old_seed, "another program may have the file open and locked")
    assert window.autosaver.write_now() and load(window.autosaver.file) == window.doc.scenario  # still autosaved
