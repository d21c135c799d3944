"""Guard against a reference-count bug of PySide6 6.12.0 (abi3 wheels) on Python 3.11.

Measured on Debian 12, Python 3.11.7, PySide6-Essentials 6.12.0 (``cp310-abi3``): every call
of a Qt method that returns nothing (``label.setText``, ``QTimer.singleShot``...) removes one
reference from ``None``, and every ``Signal.emit()`` / ``disconnect()`` one from ``True`` or
``False``. The wheels seem built for Python 3.12's immortal singletons, whose counts never
change; on 3.11 the count runs down and after some thousands of calls the interpreter aborts
with "Fatal Python error: none_dealloc" (or ``bool_dealloc``): a crash in the middle of a
session, or of a test run.

The cure is Python 3.12's own: make the three singletons effectively immortal by giving them
a reference count no session can use up. They are never deallocated anyway (deallocating them
is itself a fatal error), so nothing else changes and it is safe whatever the Qt version. It
is applied once per process on Python < 3.12, on import of the ``ui`` package -- before any Qt
call, and without importing Qt (so ``ui.charts`` stays Qt-free).
"""

from __future__ import annotations

import ctypes
import sys

#: Added to the reference counts: 2**48 calls is about nine years at a million calls a second.
HEADROOM = 1 << 48

applied = False


def bug_present() -> bool:
    """True when void Qt calls or signal emits remove references from None/True/False (a
    diagnostic; :func:`apply` does not need it)."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    none0, true0 = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(32):
        probe.setObjectName("probe")
        probe.ping.emit()
    leaked = sys.getrefcount(None) < none0 - 16 or sys.getrefcount(True) < true0 - 16
    probe.deleteLater()
    return leaked


def apply() -> bool:
    """Make None, True and False effectively immortal (Python < 3.12, once). True if done."""
    global applied
    if applied or sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):
        return applied
    for obj in (None, True, False):
        ref = ctypes.c_ssize_t.from_address(id(obj))   # ob_refcnt: the first field of every object
        ref.value += HEADROOM
    applied = True
    return True


apply()
