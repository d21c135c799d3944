"""Running a workshop: the keys and pieces every window shares, and the session on file.

* :class:`WorkshopTimer` and :class:`TimerOverlay` - a countdown ("12:34", big type, top
  centre) shown over every workshop window while it runs; red in the last minute.
* :class:`Blanker` - B blanks the window to black (as in PowerPoint); B, a click or any key
  brings it back.
* :class:`RoomKeys` (:func:`install_room_keys`) - per window: B, zoom (Ctrl+= / Ctrl+- /
  Ctrl+0), and the room-wide actions Gut call (Ctrl+Shift+G), Reveal (Ctrl+Shift+R), Teams
  (Ctrl+Shift+T) and the timer (Ctrl+Shift+K), which reach the main window's
  :class:`RoomActions` from any window.
* :class:`RoomActions` - the main window's session: Save session, Open session, Export
  session (Markdown), New workshop. The file format is :mod:`simulator.workshop.session`.
* :class:`HiddenPage` and :class:`RevealView` - presentation mode's pages for "hidden until the
  reveal" and the gut calls beside the simulation, in big type.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from simulator.analysis import formatting as fmt
from simulator.workshop import session as fmt_session

log = logging.getLogger("investsim.workshop")

#: The least pixel size of text in the big-type pages (read from the back of a room at 720 lines).
MIN_TEXT_PX = 18
GUT_CALL_KEY = "Ctrl+Shift+G"
REVEAL_KEY = "Ctrl+Shift+R"
TEAMS_KEY = "Ctrl+Shift+T"
TIMER_KEY = "Ctrl+Shift+K"
BLANK_KEY = "B"
ZOOM_IN_KEYS = ("Ctrl+=", "Ctrl++")
ZOOM_OUT_KEYS = ("Ctrl+-",)
ZOOM_RESET_KEY = "Ctrl+0"
ZOOM_STEPS = (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0, 2.5)
SESSION_FILTER = "investsim session (*.investsim-session.json *.json);;All files (*)"

_FG, _MUTED, _BG = "#F5F7FA", "#AEB7C2", "#0E1116"
_RIGHT, _WRONG, _CLOSE = "#7BD88F", "#FF8A80", "#9EC5FE"


def _px(widget: QWidget, px: float, *, bold: bool = False) -> None:
    f = QFont(widget.font())
    f.setPixelSize(int(round(max(MIN_TEXT_PX, px))))
    f.setBold(bold)
    widget.setFont(f)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- The countdown -----------------------------------------------------------------------

class WorkshopTimer(QObject):
    """A countdown. ``ticked(remaining_seconds)`` every second while it runs (and on start,
    pause, stop); ``finished`` once at zero. One per main window, shown by every window's
    :class:`TimerOverlay`."""

    ticked = Signal(int)
    finished = Signal()

    def __init__(self, parent: QObject | None = None, *, clock=time.monotonic):
        super().__init__(parent)
        self._clock = clock
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.tick)
        self._deadline: float | None = None
        self._left = 0.0
        self.minutes = 10.0         # the last length asked for
        self.active = False         # started and not stopped (may be paused)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    @property
    def remaining(self) -> int:
        left = self._deadline - self._clock() if self.running and self._deadline is not None else self._left
        return max(0, int(left + 0.999))

    def start(self, seconds: float) -> None:
        self.minutes = seconds / 60.0
        self._left = float(seconds)
        self.active = True
        self.resume()

    def resume(self) -> None:
        if not self.active or self._left <= 0:
            return
        self._deadline = self._clock() + self._left
        self._timer.start()
        self.ticked.emit(self.remaining)

    def pause(self) -> None:
        if self.running:
            self._left = max(0.0, self._deadline - self._clock())
            self._timer.stop()
            self.ticked.emit(self.remaining)

    def toggle_pause(self) -> None:
        self.pause() if self.running else self.resume()

    def stop(self) -> None:
        self._timer.stop()
        self._left = 0.0
        self.active = False
        self.ticked.emit(0)

    def tick(self) -> None:
        left = self.remaining
        if left <= 0 and self.running:
            self._timer.stop()
            self._left = 0.0
            self.ticked.emit(0)
            self.finished.emit()
            return
        self.ticked.emit(left)


def clock_text(seconds: int) -> str:
    """12:34 (or 1:02:03 for an hour or more)."""
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class TimerOverlay(QLabel):
    """The countdown at the top centre of a window, in big type; hidden when no timer runs."""

    def __init__(self, window: QWidget, timer: WorkshopTimer, place=None):
        super().__init__(window)
        self.setObjectName("timerOverlay")
        self.window_ = window
        self.timer = timer
        self.place = place   # overlay -> QPoint, for a window with its own free corner
        self.px = 28.0
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        timer.ticked.connect(self._show)
        window.installEventFilter(self)
        self._show(timer.remaining)

    def scale(self, unit: float) -> None:
        self.px = max(28.0, 2.0 * unit)
        self._place()

    def _show(self, remaining: int) -> None:
        if not self.timer.active:
            self.hide()
            return
        text = clock_text(remaining) if remaining > 0 else "Time"
        paused = "" if self.timer.running or remaining <= 0 else "  ❚❚"
        self.setText(text + paused)
        bg = "#B71C1C" if remaining <= 60 else "rgba(14, 17, 22, 215)"
        self.setStyleSheet(f"QLabel#timerOverlay {{ color: #FFFFFF; background: {bg}; border-radius: 10px;"
                           f" padding: 4px 16px; font-size: {int(self.px)}px; font-weight: bold; }}")
        self.show()
        self.raise_()
        self._place()

    def _place(self) -> None:
        self.adjustSize()
        w = self.window_
        if self.place is not None:
            self.move(self.place(self))
            return
        top = 8
        if hasattr(w, "menuBar") and w.menuWidget() is not None and w.menuWidget().isVisible():
            top += w.menuWidget().height()
        self.move(max(0, (w.width() - self.width()) // 2), top)   # top centre: clear of menus and buttons

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if obj is self.window_ and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False


# --- Blank screen ------------------------------------------------------------------------

class Blanker(QWidget):
    """A black page over the whole window (B, as in PowerPoint). B again, any other key or a
    click brings the window back."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.setObjectName("blankScreen")
        self.window_ = window
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("QWidget#blankScreen { background: #000000; }")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.hide()
        window.installEventFilter(self)

    @property
    def blank(self) -> bool:
        return self.isVisible()

    def toggle(self) -> None:
        self.set_blank(not self.isVisible())

    def set_blank(self, blank: bool) -> None:
        if blank:
            self.setGeometry(self.window_.rect())
            self.show()
            self.raise_()
            self.setFocus()
        else:
            self.hide()

    def keyPressEvent(self, event) -> None:
        self.hide()
        event.accept()

    def mousePressEvent(self, event) -> None:
        self.hide()
        event.accept()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if obj is self.window_ and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.window_.rect())
        return False


# --- Keys in every window ----------------------------------------------------------------

class RoomKeys(QObject):
    """The workshop keys of one window (see the module doc). ``zoom`` is the window's zoom
    factor; a window that sizes its own type (presentation mode) passes ``on_zoom`` and reads
    it, any other window's font is scaled."""

    zoomChanged = Signal(float)

    def __init__(self, window: QWidget, room: "RoomActions | None" = None, *, on_zoom=None, place_timer=None):
        super().__init__(window)
        self.window_ = window
        self.room = room
        self.zoom = 1.0
        self._on_zoom = on_zoom
        self._base_font = QFont(window.font())
        self.blanker = Blanker(window)
        self.overlay = TimerOverlay(window, room.timer, place_timer) if room is not None else None
        self.actions: dict[str, QAction] = {}
        self._add("blank", "Blank screen", [BLANK_KEY], self.blanker.toggle,
                  "Blank the screen to black (B); B, any key or a click brings it back.")
        self._add("zoomIn", "Zoom in", list(ZOOM_IN_KEYS), self.zoom_in, "Bigger type (Ctrl+=).")
        self._add("zoomOut", "Zoom out", list(ZOOM_OUT_KEYS), self.zoom_out, "Smaller type (Ctrl+-).")
        self._add("zoomReset", "Actual size", [ZOOM_RESET_KEY], lambda: self.set_zoom(1.0),
                  "The usual type size (Ctrl+0).")
        if room is not None:
            self._add("gutCall", "Gut call", [GUT_CALL_KEY], room.gut_call,
                      f"Hide the results and record each team's gut call ({GUT_CALL_KEY}).")
            self._add("reveal", "Reveal", [REVEAL_KEY], room.reveal,
                      f"Reveal the simulation beside the gut calls ({REVEAL_KEY}).")
            self._add("teams", "Teams", [TEAMS_KEY], room.teams,
                      f"Teams side by side ({TEAMS_KEY}).")
            self._add("timer", "Timer", [TIMER_KEY], room.timer_key,
                      f"Start a countdown, or pause and go on ({TIMER_KEY}).")

    def _add(self, name: str, text: str, keys, slot, tip: str) -> QAction:
        action = QAction(text, self.window_)
        action.setObjectName(f"room_{name}")
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.window_.addAction(action)
        self.actions[name] = action
        return action

    def set_zoom(self, factor: float) -> None:
        factor = max(ZOOM_STEPS[0], min(ZOOM_STEPS[-1], float(factor)))
        self.zoom = factor
        if self._on_zoom is not None:
            self._on_zoom()
        else:
            f = QFont(self._base_font)
            if f.pointSizeF() > 0:
                f.setPointSizeF(self._base_font.pointSizeF() * factor)
            else:
                f.setPixelSize(max(8, int(round(self._base_font.pixelSize() * factor))))
            self.window_.setFont(f)
        self.zoomChanged.emit(factor)

    def zoom_in(self) -> None:
        self.set_zoom(next((z for z in ZOOM_STEPS if z > self.zoom + 1e-6), ZOOM_STEPS[-1]))

    def zoom_out(self) -> None:
        self.set_zoom(next((z for z in reversed(ZOOM_STEPS) if z < self.zoom - 1e-6), ZOOM_STEPS[0]))

    def scale(self, unit: float) -> None:
        if self.overlay is not None:
            self.overlay.scale(unit)

    def shutdown(self) -> None:
        if self.overlay is not None:
            try:
                self.room.timer.ticked.disconnect(self.overlay._show)
            except (RuntimeError, TypeError):
                pass


def install_room_keys(window: QWidget, room: "RoomActions | None" = None, *, on_zoom=None,
                      place_timer=None) -> RoomKeys:
    """Give ``window`` the workshop keys (and the timer overlay when ``room`` is given;
    ``place_timer(overlay) -> QPoint`` puts it somewhere else than the top centre)."""
    return RoomKeys(window, room, on_zoom=on_zoom, place_timer=place_timer)


def room_of(widget: QWidget | None) -> "RoomActions | None":
    """The main window's :class:`RoomActions` for any window it owns (or None)."""
    while widget is not None:
        room = getattr(widget, "room_actions", None)
        if room is not None:
            return room
        widget = widget.parentWidget()
    return None


# --- Presentation pages ------------------------------------------------------------------

class HiddenPage(QWidget):
    """"The results are hidden until the reveal", in big type on the dark background."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("hiddenPage")
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        self.title = QLabel("Hidden until the reveal")
        self.title.setObjectName("hiddenTitle")
        self.note = QLabel("Each team records its gut call first: which alternative, and how sure.\n"
                           f"Reveal with {REVEAL_KEY} (or Workshop › Reveal).")
        self.note.setObjectName("hiddenNote")
        for w in (self.title, self.note):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            w.setWordWrap(True)
            lay.addWidget(w)
        self.note.setStyleSheet(f"color: {_MUTED};")
        lay.addStretch(2)
        self.scale(20.0)

    def scale(self, unit: float) -> None:
        _px(self.title, 3.0 * unit, bold=True)
        _px(self.note, 1.2 * unit)


class RevealView(QWidget):
    """The gut calls beside the simulation, one line per team, in big type."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("revealView")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        self.body = QLabel()
        self.body.setObjectName("revealBody")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(self.body, 1)
        self.headline_text = "No gut calls yet."
        self._unit = 20.0
        self._reveal = None
        self._count = 0
        self._fill()

    def set_reveal(self, reveal, calls: int = 0) -> None:
        self._reveal = reveal
        self._count = calls
        self._fill()

    def scale(self, unit: float) -> None:
        self._unit = unit
        self._fill()

    def _fill(self) -> None:
        px = int(round(max(MIN_TEXT_PX + 4, 1.45 * self._unit)))
        small = int(round(max(MIN_TEXT_PX, 1.05 * self._unit)))
        _px(self.body, px)
        r = self._reveal
        if r is None:
            self.headline_text = ("The gut calls: reveal to see them beside the simulation." if self._count else
                                  "No gut calls yet: each team records one (Workshop › Gut call first).")
            self.body.setText("")
            return
        self.headline_text = r.headline
        rows = []
        for o in r.outcomes:
            if o.calibration == "too close to call":
                ink, mark = _CLOSE, "≈"
            else:
                ink, mark = (_RIGHT, "✔") if o.right else (_WRONG, "✘")
            chance = "" if o.chance != o.chance else f" — best in {fmt.percent(o.chance)} of futures"
            from .gutcall import verdict_words

            rows.append(f"<p style='margin:0 0 {px // 2}px 0'><span style='color:{ink}; font-weight:bold'>{mark}"
                        f"</span> <b>{_esc(o.call.team)}</b>: {_esc(o.call.choice)}, "
                        f"{fmt.percent(o.call.confidence)} sure{chance}"
                        f" <span style='color:{ink}'>· {_esc(verdict_words(o))}</span>"
                        + (f"<br><span style='color:{_MUTED}; font-size:{small}px'>{_esc(o.note)}</span>"
                           if o.note else "") + "</p>")
        self.body.setText("".join(rows) or f"<p style='color:{_MUTED}'>No team recorded a call this round.</p>")


# --- The session -------------------------------------------------------------------------

class RoomActions(QObject):
    """The main window's workshop session: the room-wide actions every window's keys reach,
    the timer, and Save / Open / Export session and New workshop."""

    #: The session was saved, opened or reset: a message for the status line.
    message = Signal(str)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.timer = WorkshopTimer(self)
        self.path: Path | None = None

    # -- room-wide actions ------------------------------------------------------------
    def gut_call(self) -> None:
        start = getattr(self.window, "start_gut_call", None)
        if start is not None:
            start()

    def reveal(self) -> None:
        panel = self.window.gut_panel
        if panel.results is None:
            self.message.emit("The simulation is still running; reveal when its results are in.")
            return
        panel._reveal_clicked()

    def teams(self):
        from ..extras import open_teams

        return self.window.keep_tool("teams", open_teams(self.window))

    def timer_key(self) -> None:
        if self.timer.active and self.timer.remaining > 0:
            self.timer.toggle_pause()
        else:
            self.ask_timer()

    def ask_timer(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        minutes, ok = QInputDialog.getInt(self.window, "Timer", "Count down how many minutes?",
                                          int(round(self.timer.minutes)), 1, 180)
        if ok:
            self.timer.start(minutes * 60)

    # -- the session on file ----------------------------------------------------------
    def _teams_window(self):
        w = self.window.tool_windows.get("teams")
        try:
            return w if w is not None and w.isVisible() else None
        except RuntimeError:   # deleted on close
            return None

    def _calibration_window(self):
        w = self.window.tool_windows.get("calibration")
        try:
            return w if w is not None and w.isVisible() else None
        except RuntimeError:
            return None

    def collect(self) -> dict:
        """The session now, as plain data (see :mod:`simulator.workshop.session`)."""
        w = self.window
        state = fmt_session.new_session()
        state["scenario"] = {"title": w.doc.scenario.title, "path": str(w.doc.path) if w.doc.path else None}
        state["results_hidden"] = w.reveal_state.hidden
        state["gut_calls"] = w.gut_panel.session_state()
        teams = self._teams_window()
        if teams is not None and getattr(teams, "files", None):
            state["teams"] = teams.session_state() if hasattr(teams, "session_state") else {}
        cal = self._calibration_window()
        if cal is not None and hasattr(cal, "session_state"):   # the calibration window's contract
            state["calibration"] = cal.session_state()
        if self.timer.active:
            state["timer"] = {"minutes": self.timer.minutes, "remaining": self.timer.remaining}
        return state

    def restore(self, state: dict) -> None:
        """Put a saved session back: the calls, whether results are hidden, the teams'
        comparison, the calibration scores."""
        w = self.window
        w.gut_panel.restore_session_state(state.get("gut_calls") or {})
        w.reveal_state.set_hidden(bool(state.get("results_hidden")))
        teams = state.get("teams") or {}
        if teams.get("files") or teams.get("inline"):
            window = self._teams_window() or self.teams()
            if window is not None and hasattr(window, "restore_session_state"):
                window.restore_session_state(teams)
        cal = state.get("calibration") or {}
        if cal:
            from ..extras import open_calibration

            window = self._calibration_window() or w.keep_tool("calibration", open_calibration(w))
            if hasattr(window, "restore_session_state"):   # the calibration window's contract
                window.restore_session_state(cal)

    def save_session(self, path: str | Path | None = None) -> Path | None:
        if path is None:
            from PySide6.QtWidgets import QFileDialog

            start = self.path or ((self.window.doc.path.parent if self.window.doc.path else Path.home())
                                  / f"workshop{fmt_session.SUFFIX}")
            chosen, _ = QFileDialog.getSaveFileName(self.window, "Save session", str(start), SESSION_FILTER)
            if not chosen:
                return None
            path = chosen
        path = Path(path)
        try:
            fmt_session.save(self.collect(), path)
        except (OSError, fmt_session.SessionError) as exc:
            self.window.banner.show_message("Could not save the session. Nothing was lost.", [f"File: {path}",
                                            f"Why: {exc}"], "error")
            return None
        self.path = path
        self.message.emit(f"Saved the session to {path}")
        return path

    def open_session(self, path: str | Path | None = None) -> bool:
        if path is None:
            from PySide6.QtWidgets import QFileDialog

            chosen, _ = QFileDialog.getOpenFileName(self.window, "Open session", str(Path.home()), SESSION_FILTER)
            if not chosen:
                return False
            path = chosen
        try:
            state = fmt_session.load(path)
        except fmt_session.SessionError as exc:
            self.window.banner.show_message("Could not open the session; the workshop on screen is unchanged.",
                                            [str(exc)], "error")
            return False
        self.restore(state)
        self.path = Path(path)
        self.message.emit(f"Opened the session {Path(path).name}")
        return True

    def export_session(self, path: str | Path | None = None) -> Path | None:
        """A readable summary (Markdown). While the results are hidden, it leaves them out."""
        if path is None:
            from PySide6.QtWidgets import QFileDialog

            start = (self.window.doc.path.parent if self.window.doc.path else Path.home()) / "workshop-summary.md"
            chosen, _ = QFileDialog.getSaveFileName(self.window, "Export session", str(start),
                                                    "Markdown (*.md);;Text (*.txt)")
            if not chosen:
                return None
            path = chosen
        path = Path(path)
        try:
            path.write_text(fmt_session.summary(self.collect()), encoding="utf-8")
        except OSError as exc:
            self.window.banner.show_message("Could not export the session. Nothing was lost.",
                                            [f"File: {path}", f"Why: {exc.strerror or exc}"], "error")
            return None
        hidden = " (results left out: they are hidden until the reveal)" if self.window.reveal_state.hidden else ""
        self.message.emit(f"Wrote {path}{hidden}")
        return path

    def new_workshop(self, *, ask: bool = True) -> bool:
        """Forget the previous workshop: the gut calls, the teams' comparison, the calibration
        scores of this session, the timer. The scenario stays."""
        if ask:
            from PySide6.QtWidgets import QMessageBox

            answer = QMessageBox.question(
                self.window, "New workshop", "Start a new workshop? The gut calls, the teams' comparison and this "
                "session's calibration scores are cleared (save the session first to keep them).")
            if answer != QMessageBox.StandardButton.Yes:
                return False
        w = self.window
        w.gut_panel.restore_session_state({})
        w.reveal_state.set_hidden(False)
        self.timer.stop()
        teams = self._teams_window()
        if teams is not None:
            teams.close()
        w.tool_windows.pop("teams", None)
        cal = self._calibration_window()
        if cal is not None:
            if hasattr(cal, "new_workshop"):
                cal.new_workshop()
            elif hasattr(cal, "restore_session_state"):   # the contract: an empty session
                cal.restore_session_state({})
            cal.close()
        w.tool_windows.pop("calibration", None)
        self.path = None
        self.message.emit("New workshop: the calls, the teams' comparison and the scores of the last one are "
                          "cleared.")
        return True

    def shutdown(self) -> None:
        self.timer.stop()
