"""Malformed autosave notes (issue 13, point 5): each is logged and skipped, a good one beside
them is still offered, and start-up opens the file asked for. Through the real start-up path
(``ui.app.main``, as ``investsim gui FILE`` runs it), with someone there to answer."""

from __future__ import annotations

from datetime import datetime, timezone
import json
import logging
import os
from pathlib import Path
import shutil
import subprocess
import sys

import pytest
import ui.app
from ui import autosave

from uihelpers import DEFAULT, ROOT

NOW = datetime.now(timezone.utc).isoformat(timespec="seconds")


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _note(folder: Path, name: str, meta=None, *, raw: bytes | None = None, toml: bool = True) -> Path:
    note = folder / f"{name}.json"
    note.write_bytes(raw if raw is not None else json.dumps(meta).encode())
    if toml:
        shutil.copy(DEFAULT, note.with_suffix(".toml"))
    return note


def _good(pid: int, **changes) -> dict:
    return {"title": "Autosaved", "original": None, "written": NOW, "pid": pid, **changes}


def malformed(folder: Path, pid: int) -> list[str]:
    """Write every kind of bad note the hostile review found (and a few more); their names."""
    _note(folder, "autosave-1-1", _good(10**40))                                # huge pid: OverflowError
    _note(folder, "autosave-1-2", _good(pid, written="2024-05-02T14:03:00"))      # no time zone
    _note(folder, "autosave-1-3", raw=b"[" * 100_000 + b"]" * 100_000)           # deeply nested JSON
    os.mkfifo(folder / "autosave-1-4.json")                                       # a FIFO: reading blocks
    shutil.copy(DEFAULT, folder / "autosave-1-4.toml")
    (folder / "autosave-1-5.json").symlink_to("/dev/zero")                       # endless bytes
    shutil.copy(DEFAULT, folder / "autosave-1-5.toml")
    _note(folder, "autosave-1-6", raw=b"{" + b" " * (autosave.NOTE_LIMIT + 10) + b"}")   # far too big
    _note(folder, "autosave-1-7", _good(True))                                    # a boolean for a pid
    _note(folder, "autosave-1-8", _good(pid, title=["not", "text"]))
    _note(folder, "autosave-1-9", raw=b"\xff\xfe not UTF-8")
    _note(folder, "autosave-1-10", [1, 2, 3])                                     # not an object
    _note(folder, "autosave-1-11", _good(pid), toml=False)                        # its scenario is a FIFO
    os.mkfifo(folder / "autosave-1-11.toml")
    return [f"autosave-1-{i}" for i in range(1, 12)]


@pytest.fixture
def folder(qapp) -> Path:
    """The autosave folder the app itself uses (its names decide the data folder)."""
    names = qapp.organizationName(), qapp.applicationName()
    ui.app._app()
    path = autosave.autosave_folder()
    path.mkdir(parents=True, exist_ok=True)
    yield path
    qapp.setOrganizationName(names[0])
    qapp.setApplicationName(names[1])


def test_find_skips_and_logs_every_malformed_note(folder, caplog):
    pid = _dead_pid()
    bad = malformed(folder, pid)
    _note(folder, "autosave-2-1", _good(pid, title="The good one"))
    with caplog.at_level(logging.WARNING, logger="investsim.autosave"):
        found = autosave.find(folder)
    assert [e.title for e in found] == ["The good one"]
    logged = " ".join(r.getMessage() for r in caplog.records)
    for name in bad:
        assert f"{name}.json" in logged
    assert autosave.orphans(folder)[0].title == "The good one"
    assert not autosave.process_running(10**40)


# The real start-up (``investsim gui FILE``) in its own process, with someone there to answer:
# the restore offer is answered "Later" and recorded; once a document with a file is shown,
# its path is printed and the app quits.
_DRIVER = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
import ui.app, ui.autosave
ui.app.can_ask = lambda: True


def ask(parent, entry):
    print("offered:", entry.title, flush=True)
    return ui.autosave.LATER


ui.autosave.ask = ask
from cli.main import main


def opened():
    for w in QApplication.topLevelWidgets():
        if w.objectName() == "mainWindow" and w.doc.path is not None:
            print("opened:", w.doc.path, flush=True)
            app.quit()


poll = QTimer()
poll.setInterval(50)
poll.timeout.connect(opened)
poll.start()
sys.exit(main(["gui", sys.argv[1]]))
"""


def test_start_up_opens_the_file_asked_for_whatever_the_notes(folder, tmp_path):
    pid = _dead_pid()
    malformed(folder, pid)
    _note(folder, "autosave-2-1", _good(pid, title="The good one"))
    scenario = tmp_path / "asked-for.toml"
    shutil.copy(DEFAULT, scenario)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))   # HOME, XDG_*: the test's
    done = subprocess.run([sys.executable, "-c", _DRIVER, str(scenario)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert lines == ["offered: The good one", f"opened: {scenario}"], done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    log = (folder.parent / "investsim.log").read_text(encoding="utf-8")
    for name in [f"autosave-1-{i}.json" for i in range(1, 12)]:
        assert name in log
