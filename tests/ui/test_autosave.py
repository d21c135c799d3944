"""Autosave and crash recovery, as a user meets them: unsaved work is copied to the data
folder, a crashed or killed investsim offers it back at the next start, and saving or closing
cleans up."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from simulator.model.scenario import load, read
from ui import autosave
from simulator.workshop import edits
from ui.document import Document

from uihelpers import DEFAULT, ROOT

TITLE = "ERP vs. new production line"


def set_seed(doc, seed: int) -> None:
    assert doc.propose(edits.set_field(doc.scenario, ("settings",), "seed", seed), "Change seed") == []


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.fixture
def dead_pid() -> int:
    """The id of a process that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def scenario_file(tmp_path) -> Path:
    path = tmp_path / "erp.toml"
    shutil.copy(DEFAULT, path)
    return path


def leave_autosave(path: Path | None, seed: int, pid: int, *, minutes_ago: int = 0,
                   folder: Path | None = None) -> autosave.Autosave:
    """What a process ``pid`` that crashed while editing ``path`` (None: untitled)
    ``minutes_ago`` left behind in ``folder`` (default: this test's autosave folder)."""
    folder = folder or autosave.autosave_folder()
    scenario, file = read(path or DEFAULT)
    doc = Document(scenario, file if path else None)
    set_seed(doc, seed)
    saver = autosave.Autosaver(doc, folder)
    assert saver.write_now()
    saver.timer.stop()   # the process "crashed": nobody deletes its copy
    note = autosave.note_of(saver.file)
    meta = json.loads(note.read_text(encoding="utf-8"))
    written = datetime.fromisoformat(meta["written"]) - timedelta(minutes=minutes_ago)
    note.write_text(json.dumps(dict(meta, pid=pid, written=written.isoformat())), encoding="utf-8")
    return next(e for e in autosave.find(folder) if e.file == saver.file)


@pytest.fixture
def offers(monkeypatch):
    """Answers the restore offer with ``offers.answer`` and records what it said."""

    class Offers:
        answer = autosave.RESTORE
        said: list[str] = []

    def ask(parent, entry):
        Offers.said.append(entry.describe())
        return Offers.answer

    Offers.said = []
    monkeypatch.setattr(autosave, "ask", ask)
    return Offers


# -- autosaving ----------------------------------------------------------------------------

def test_unsaved_changes_are_autosaved_as_a_complete_scenario(make_window, qtbot, scenario_file, answers):
    window = make_window(scenario_file)
    folder = autosave.autosave_folder()
    assert str(folder).startswith(os.environ["XDG_DATA_HOME"])   # the user's data folder
    assert not window.autosaver.write_now() and files_in(folder) == []   # nothing unsaved, nothing written
    window.autosaver.timer.setInterval(20)
    set_seed(window.doc, 4242)
    qtbot.waitUntil(lambda: autosave.note_of(window.autosaver.file).exists(), timeout=20_000)
    copy = load(window.autosaver.file)
    assert copy == window.doc.scenario and copy.seed == 4242
    text = window.autosaver.file.read_text(encoding="utf-8")
    assert "# ERP vs. new production line: the default investsim scenario." in text  # comments kept
    note = json.loads(autosave.note_of(window.autosaver.file).read_text(encoding="utf-8"))
    assert note["original"] == str(scenario_file) and note["title"] == TITLE and note["pid"] == os.getpid()
    assert abs((datetime.now().astimezone() - datetime.fromisoformat(note["written"])).total_seconds()) < 600
    assert window.save()                       # a clean save removes the copy
    assert files_in(folder) == [] and load(scenario_file).seed == 4242


def test_windows_keep_separate_autosaves(make_window, scenario_file):
    first, second = make_window(scenario_file, wait=False), make_window(scenario_file, wait=False)
    set_seed(first.doc, 111)
    set_seed(second.doc, 222)
    assert first.autosaver.write_now() and second.autosaver.write_now()
    assert first.autosaver.file != second.autosaver.file
    assert load(first.autosaver.file).seed == 111 and load(second.autosaver.file).seed == 222
    assert autosave.orphans(autosave.autosave_folder()) == []   # both owners are running


@pytest.mark.parametrize("answer, kept", [(QMessageBox.StandardButton.Cancel, True),
                                          (QMessageBox.StandardButton.Discard, False)])
def test_closing_deletes_the_autosave_unless_cancelled(make_window, scenario_file, answers, answer, kept):
    window = make_window(scenario_file, wait=False)
    set_seed(window.doc, 4242)
    assert window.autosaver.write_now()
    answers.warning = answer
    assert window.close() != kept
    assert window.autosaver.file is None or window.autosaver.file.exists() == kept
    assert bool(files_in(autosave.autosave_folder())) == kept
    assert load(scenario_file).seed == load(DEFAULT).seed   # Discard wrote nothing


def test_undoing_back_to_the_saved_state_deletes_the_autosave(make_window, scenario_file):
    window = make_window(scenario_file, wait=False)
    set_seed(window.doc, 4242)
    assert window.autosaver.write_now() and files_in(autosave.autosave_folder())
    window.act_undo.trigger()
    assert not window.doc.modified and files_in(autosave.autosave_folder()) == []


def test_an_unwritable_data_folder_says_so_in_the_status_bar(make_window, scenario_file, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    window = make_window(scenario_file, wait=False)
    set_seed(window.doc, 4242)
    assert not window.autosaver.write_now()
    message = window.statusBar().currentMessage()
    assert "Could not autosave" in message and str(blocker) in message and "File > Save" in message
    assert window.doc.modified and window.doc.scenario.seed == 4242


# -- the restore offer -------------------------------------------------------------------

def test_restore_offer_names_the_scenario_and_when_then_save_asks_first(make_window, qtbot, scenario_file,
                                                                        dead_pid, offers, answers):
    entry = leave_autosave(scenario_file, 4242, dead_pid, minutes_ago=12)
    window = make_window(None)
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        assert window.offer_recovery()
    text = offers.said[0]
    assert TITLE in text and str(scenario_file) in text
    assert entry.written.astimezone().strftime("%H:%M") in text and "(12 minutes ago)" in text
    doc = window.doc
    assert doc.scenario.seed == 4242 and doc.path == scenario_file
    assert doc.modified and window.isWindowModified()
    assert not entry.file.exists() and window.autosaver.file.exists()   # this window's copy took over
    original = scenario_file.read_bytes()
    answers.question = QMessageBox.StandardButton.Cancel    # Save asks before writing over the file
    assert not window.save()
    assert scenario_file.read_bytes() == original and answers.asked[-1][0] == "question"
    assert str(scenario_file) in answers.asked[-1][1]
    answers.question = QMessageBox.StandardButton.Yes
    assert window.save()
    assert load(scenario_file).seed == 4242 and not doc.modified
    assert files_in(autosave.autosave_folder()) == []


def test_restored_untitled_scenario_saves_under_a_new_name(make_window, qtbot, dead_pid, offers, answers,
                                                           tmp_path):
    leave_autosave(None, 777, dead_pid)
    window = make_window(None)
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        assert window.offer_recovery()
    assert "not saved to a file yet" in offers.said[0]
    assert window.doc.path is None and window.doc.modified and "Untitled" in window.windowTitle()
    answers.save_file = str(tmp_path / "recovered.toml")
    assert window.save()
    assert answers.asked[-1][0] == "save" and load(tmp_path / "recovered.toml").seed == 777


@pytest.mark.parametrize("answer, kept", [(autosave.DISCARD, False), (autosave.LATER, True)])
def test_discard_deletes_and_later_keeps_the_autosave(make_window, scenario_file, dead_pid, offers,
                                                      answer, kept):
    entry = leave_autosave(scenario_file, 4242, dead_pid)
    window = make_window(scenario_file, wait=False)
    offers.answer = answer
    assert not window.offer_recovery()
    assert entry.file.exists() == kept and entry.note.exists() == kept
    assert window.doc.scenario.seed == load(DEFAULT).seed and not window.doc.modified
    offers.said.clear()
    window.offer_recovery()
    assert bool(offers.said) == kept                     # "Later" asks again next time


def test_autosaves_of_running_processes_are_not_offered(make_window, scenario_file, offers):
    leave_autosave(scenario_file, 4242, os.getpid())
    window = make_window(scenario_file, wait=False)
    assert not window.offer_recovery() and offers.said == []


def test_the_offer_dialog_restores_discards_or_waits(qtbot, scenario_file, dead_pid):
    entry = leave_autosave(scenario_file, 4242, dead_pid)
    box = autosave.offer_box(None, entry)
    labels = [b.text() for b in box.buttons()]
    assert sorted(labels) == ["Discard", "Later", "Restore"] and box.defaultButton().text() == "Restore"
    assert all(b.toolTip() for b in box.buttons())
    box.deleteLater()

    def click(label: str) -> None:
        dialog = QApplication.activeModalWidget()
        next(b for b in dialog.buttons() if b.text() == label).click()

    for label, choice in (("Later", autosave.LATER), ("Discard", autosave.DISCARD)):
        QTimer.singleShot(0, lambda label=label: click(label))
        assert autosave.ask(None, entry) == choice


def test_ago_in_words():
    now = datetime(2024, 5, 2, 12, 0, tzinfo=timezone.utc)
    assert autosave.ago(now - timedelta(seconds=20), now) == "less than a minute ago"
    assert autosave.ago(now - timedelta(minutes=1), now) == "1 minute ago"
    assert autosave.ago(now - timedelta(minutes=12), now) == "12 minutes ago"
    assert autosave.ago(now - timedelta(hours=5), now) == "5 hours ago"
    assert autosave.ago(now - timedelta(days=3), now) == "3 days ago"


# -- a real crash ------------------------------------------------------------------------

# The real app (``investsim gui FILE``) with a short autosave interval; once the file is open a
# timer changes the seed, as a user would in the status bar.
_DRIVER = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
import ui.autosave
ui.autosave.INTERVAL_MS = 100
from cli.main import main
from simulator.workshop import edits


def edit_once_open():
    for w in QApplication.topLevelWidgets():
        if w.objectName() == "mainWindow" and w.doc.path is not None:
            w.doc.propose(edits.set_field(w.doc.scenario, ("settings",), "seed", 4242), "Change seed")
            poll.stop()


poll = QTimer()
poll.setInterval(50)
poll.timeout.connect(edit_once_open)
poll.start()
sys.exit(main(["gui", sys.argv[1]]))
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
def test_a_killed_app_offers_its_autosave_at_the_next_start(make_window, qtbot, scenario_file, offers,
                                                            tmp_path, dead_pid):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))   # HOME, XDG_*: the test's
    data = Path(os.environ["XDG_DATA_HOME"]) / "investsim" / "investsim"
    # An older crash's copy is waiting: offscreen nobody can answer, so the app must not ask.
    older = leave_autosave(scenario_file, 1111, dead_pid, minutes_ago=60, folder=data / "autosave")
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-c", _DRIVER, str(scenario_file)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 120
        while not any(e.pid == proc.pid and load(e.file).seed == 4242 for e in autosave.find(data / "autosave")):
            assert proc.poll() is None, f"the app stopped early: {errors.read_text()}"
            assert time.monotonic() < deadline, "no autosave appeared within two minutes"
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert older.file.exists() and older.note.exists()                 # not offered, so still there
    assert "investsim started" in (data / "investsim.log").read_text(encoding="utf-8")   # the log is set up
    assert scenario_file.read_bytes() == DEFAULT.read_bytes()          # nothing was saved

    # The next start (this test's data folder stands in for the app's).
    shutil.copytree(data / "autosave", autosave.autosave_folder())
    entry, _older = autosave.orphans(autosave.autosave_folder())      # newest first
    assert entry.pid == proc.pid
    window = make_window(None)
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        assert window.offer_recovery()
    assert len(offers.said) == 1                                       # the newest, restored
    assert TITLE in offers.said[0] and str(scenario_file) in offers.said[0]
    assert entry.written.astimezone().strftime("%H:%M") in offers.said[0]
    assert window.doc.scenario.seed == 4242 and window.seed.text() == "4242"
    assert window.doc.path == scenario_file and window.doc.modified
