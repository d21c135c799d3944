"""Entry point of the packaged app (PyInstaller runs this file; see ``investsim.spec``).

One executable for both uses:

* ``investsim`` with no arguments (a double-click) opens the window, as ``investsim gui``;
* ``investsim FILE.toml`` (a file dropped on the icon, or "Open with") opens that file;
* anything else goes to the command line unchanged: ``run``, ``report``, ``validate``,
  ``gui --screenshot``, ``--help``, ``--version``.

It also keeps the frozen app inside the user's own folders: PyInstaller's matplotlib hook
points ``MPLCONFIGDIR`` at a fresh temporary folder on every start, so matplotlib would
rebuild its font list each time; here it goes to the user's cache folder instead, once.
"""

from __future__ import annotations

import os
import sys


def cli_args(argv: list[str]) -> list[str]:
    """The arguments ``cli.main.main`` gets for the process arguments ``argv`` (without
    the program name)."""
    # macOS (before 10.9) adds a process serial number when Finder starts an app bundle.
    args = [a for a in argv if not a.startswith("-psn_")]
    if not args:
        return ["gui"]
    first = args[0]
    if len(args) == 1 and first.lower().endswith(".toml") and os.path.isfile(first):
        return ["gui", first]
    return args


def user_cache_dir() -> str:
    """The per-user cache folder of the platform (no Qt needed this early)."""
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
        return os.path.join(base, "investsim", "Cache")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "investsim")
    return os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache"), "investsim")


def use_user_cache_for_matplotlib() -> None:
    if os.environ.get("INVESTSIM_KEEP_MPLCONFIGDIR"):   # for debugging the hook's own behaviour
        return
    folder = os.path.join(user_cache_dir(), "matplotlib")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return   # an unwritable home: keep the hook's temporary folder
    os.environ["MPLCONFIGDIR"] = folder


def attach_windows_console() -> None:
    """A windowed Windows build has no console: sys.stdout is None. When started from a
    console (``investsim run ...`` in cmd or PowerShell), write to that console; otherwise
    (double-clicked) to nowhere, so a print never fails."""
    if sys.platform != "win32" or (sys.stdout is not None and sys.stderr is not None):
        return
    import ctypes

    attached = ctypes.windll.kernel32.AttachConsole(-1)   # ATTACH_PARENT_PROCESS
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            try:
                stream = open("CONOUT$" if attached else os.devnull, "w", encoding="utf-8", errors="replace")
            except OSError:
                stream = open(os.devnull, "w")
            setattr(sys, name, stream)


def package_selftest(out_dir: str) -> int:
    """What the smoke test cannot reach through the command line: every format of the chart
    toolbar's save dialog (the matplotlib backends and fonts the spec keeps), the bundled data
    files, the About dialog. Run by ``build/package_test.py`` with INVESTSIM_PACKAGE_SELFTEST set
    to a folder for the files; prints one line per check, returns 1 if any failed."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    failures = 0

    def check(name, fn):
        nonlocal failures
        try:
            detail = fn()
            print(f"selftest ok    {name}{': ' + detail if detail else ''}")
        except Exception as exc:  # report every failure, keep checking
            failures += 1
            print(f"selftest FAIL  {name}: {type(exc).__name__}: {exc}")

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["investsim"])  # noqa: F841 (kept alive)
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3))
    canvas = FigureCanvasQTAgg(fig)
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [1, 3, 2], label="NPV in \\$k")
    ax.set_title(r"Chance of loss 32% · $\sigma^2$ · 10$^{6}$ €")  # mathtext: DejaVu with STIX fallback
    ax.set_yscale("log")
    ax.legend()
    # Left out by the spec: PGF (needs LaTeX) and AVIF (Pillow's AVIF codec); raw/rgba: no files.
    skip = {"pgf", "avif", "raw", "rgba"}
    for fmt in sorted(set(canvas.get_supported_filetypes()) - skip):
        def save(fmt=fmt):
            path = os.path.join(out_dir, f"selftest.{fmt}")
            fig.savefig(path, format=fmt)
            size = os.path.getsize(path)
            if size < 500:
                raise RuntimeError(f"only {size} bytes")
            return f"{size:,} bytes"
        check(f"chart saved as {fmt}", save)

    def data():
        from simulator.resources import folder as bundled

        found = {"scenarios": len(list(bundled("scenarios").glob("*.toml")))}
        for sub in ("templates", "calibration", "icons"):
            folder = bundled(sub)
            found[sub] = len(list(folder.iterdir())) if folder.is_dir() else 0
        if getattr(sys, "frozen", False):
            licences = os.path.join(sys._MEIPASS, "licenses")
            found["licence files"] = sum(len(f) for _, _, f in os.walk(licences))
        missing = [k for k, v in found.items() if not v]
        if missing:
            raise RuntimeError(f"nothing bundled for {', '.join(missing)} ({found})")
        return ", ".join(f"{k} {v}" for k, v in found.items())
    check("bundled data", data)

    def about():
        from ui.about import AboutDialog

        dialog = AboutDialog()
        if dialog.windowIcon().isNull():
            raise RuntimeError("no application icon")
        return dialog.details().splitlines()[0]
    check("About dialog", about)
    return 1 if failures else 0


def main() -> int:
    args = cli_args(sys.argv[1:])
    if getattr(sys, "frozen", False):
        use_user_cache_for_matplotlib()
        attach_windows_console()   # no-op elsewhere, and when double-clicked (no parent console)
    if os.environ.get("INVESTSIM_PACKAGE_SELFTEST"):
        return package_selftest(os.environ["INVESTSIM_PACKAGE_SELFTEST"])

    from cli.main import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
