"""The log file: ``investsim.log`` in the user's data folder, so a failure can be reported.

:func:`setup` (called once by :func:`ui.app.main`) sends the ``investsim`` loggers to a
rotating file (about 1 MB, three old copies kept) and logs unexpected exceptions and Qt's own
warnings with their tracebacks. When the data folder cannot be written it falls back to
standard error without a word: logging never stops the app from starting. The window shows
plain words; the details (tracebacks) go here.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QtMsgType, qInstallMessageHandler

LOG_FILE = "investsim.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s [pid %(process)d]: %(message)s"

log = logging.getLogger("investsim")

_installed: dict = {}   # our handler and the hooks we replaced, so close() can undo setup()

_QT_LEVELS = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}


def data_folder() -> Path | None:
    """The app's folder for its own files (QStandardPaths.AppDataLocation): the one finder
    of the user data folder (the log, autosaved copies, the calibration history). None when
    the platform offers none. It may not exist yet."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder) if folder else None


def log_folder() -> Path | None:
    """The folder that holds ``investsim.log`` (Help > Open log folder shows it)."""
    return data_folder()


def setup(folder: Path | None = None, *, hooks: bool = True) -> Path | None:
    """Log to ``folder/investsim.log`` (default: :func:`log_folder`), rotating at
    :data:`MAX_BYTES` with :data:`BACKUPS` old files. Returns the log file, or None when it
    could not be opened and messages go to standard error instead. ``hooks`` also logs
    uncaught exceptions (``sys.excepthook``) and Qt's messages. Calling it again replaces the
    previous set-up."""
    close()
    folder = folder if folder is not None else log_folder()
    handler: logging.Handler
    path = None
    try:
        if folder is None:
            raise OSError("no data folder on this platform")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LOG_FILE
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                       encoding="utf-8")
    except OSError:
        path = None
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    log.addHandler(handler)
    _installed.update(handler=handler, level=log.level)
    log.setLevel(logging.INFO)
    if hooks:
        _installed["excepthook"] = sys.excepthook
        sys.excepthook = _excepthook
        _installed["qt_handler"] = qInstallMessageHandler(_qt_message)
    return path


def close() -> None:
    """Undo :func:`setup`: close the log file and put the previous hooks back."""
    handler = _installed.pop("handler", None)
    if handler is not None:
        log.removeHandler(handler)
        handler.close()
        log.setLevel(_installed.pop("level", logging.NOTSET))
    if "excepthook" in _installed:
        sys.excepthook = _installed.pop("excepthook")
    if "qt_handler" in _installed:
        qInstallMessageHandler(_installed.pop("qt_handler"))


def _excepthook(kind, value, tb) -> None:
    log.error("Unexpected error", exc_info=(kind, value, tb))
    (_installed.get("excepthook") or sys.__excepthook__)(kind, value, tb)   # the console still shows it


def _qt_message(kind, context, message: str) -> None:
    level = _QT_LEVELS.get(kind, logging.WARNING)
    if level >= logging.WARNING:
        log.log(level, "Qt: %s", message)
    previous = _installed.get("qt_handler")
    if callable(previous):
        previous(kind, context, message)
    else:
        print(message, file=sys.stderr)   # as Qt's default handler does
