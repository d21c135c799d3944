"""A workshop session on file: the gut calls, the team comparisons and the calibration scores.

The app's Workshop › Save session writes one JSON file (``*.investsim-session.json``) that
Workshop › Open session reads back, and Workshop › Export session writes as a readable
summary (Markdown) for the participants. This module is the file format only: plain dicts in,
plain dicts out, no Qt.

Layout (version 1)::

    {"format": "investsim-workshop-session", "version": 1, "saved": "2026-12-03T16:40:00+00:00",
     "scenario": {"title": "...", "path": "..." | null},
     "results_hidden": false,
     "gut_calls": {"calls": [{"team", "choice", "confidence"}], "revealed": bool, "reveal": {...}},
     "teams": {"files": ["..."], "baseline": "..." | null, "headline": "...", "verdicts": {"IT": "..."}},
     "calibration": {...}   # whatever the calibration window's session_state() gives
     "timer": {"minutes": 15}}
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

FORMAT = "investsim-workshop-session"
VERSION = 1
SUFFIX = ".investsim-session.json"
#: The parts of a session; each is a JSON object (or absent).
PARTS = ("scenario", "gut_calls", "teams", "calibration", "timer")


class SessionError(ValueError):
    """A session file that cannot be read: the message names the file, the field and the fix."""


def new_session() -> dict[str, Any]:
    """An empty session (what Workshop › New workshop starts from)."""
    return {"format": FORMAT, "version": VERSION, "saved": None, "results_hidden": False,
            "scenario": {}, "gut_calls": {"calls": [], "revealed": False}, "teams": {}, "calibration": {},
            "timer": {}}


def _plain(value: Any, where: str) -> Any:
    """``value`` as JSON-able data (NaN and infinities become null), or SessionError."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Path):
        return str(value)
    raise SessionError(f"{where}: a {type(value).__name__} cannot be saved in a session file")


def dumps(session: dict[str, Any], *, now: datetime | None = None) -> str:
    """The session as JSON text (stamped with the time it is saved)."""
    out = dict(new_session())
    out.update({k: v for k, v in session.items() if k not in ("format", "version")})
    out["saved"] = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    return json.dumps(_plain(out, "session"), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def save(session: dict[str, Any], path: str | Path) -> Path:
    """Write the session to ``path`` (whole or not at all: a temporary file is renamed)."""
    path = Path(path)
    text = dumps(session)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def loads(text: str, name: str = "session") -> dict[str, Any]:
    """A session from JSON text; SessionError names the file, the field and the fix."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SessionError(f"{name}: not a session file (line {exc.lineno}: {exc.msg}). "
                           "Choose a file written by Workshop › Save session.") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SessionError(f"{name}: field 'format' is not {FORMAT!r}; this is not an investsim session file. "
                           "Choose a file written by Workshop › Save session.")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SessionError(f"{name}: field 'version' must be a whole number such as {VERSION}.")
    if version > VERSION:
        raise SessionError(f"{name}: field 'version' is {version}, written by a newer investsim; this one reads "
                           f"version {VERSION}. Update investsim to open it.")
    for part in PARTS:
        if part in data and data[part] is not None and not isinstance(data[part], dict):
            raise SessionError(f"{name}: field '{part}' must be a table of values (a JSON object), not "
                               f"{type(data[part]).__name__}. Remove the field or save the session again.")
    calls = (data.get("gut_calls") or {}).get("calls", [])
    if not isinstance(calls, list):
        raise SessionError(f"{name}: field 'gut_calls.calls' must be a list of calls.")
    for i, c in enumerate(calls):
        if not isinstance(c, dict) or not {"team", "choice", "confidence"} <= set(c):
            raise SessionError(f"{name}: field 'gut_calls.calls[{i}]' needs 'team', 'choice' and 'confidence'.")
    out = new_session()
    out.update({k: v if v is not None else out.get(k) for k, v in data.items()})
    return out


def load(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SessionError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    except UnicodeDecodeError:
        raise SessionError(f"{path}: not a text file; choose a file written by Workshop › Save session.") from None
    return loads(text, path.name)


def _pct(x: Any) -> str:
    return f"{float(x):.0%}" if isinstance(x, (int, float)) and not isinstance(x, bool) else "n/a"


def summary(session: dict[str, Any]) -> str:
    """The session as a readable Markdown summary (Workshop › Export session)."""
    title = (session.get("scenario") or {}).get("title") or "a scenario"
    lines = [f"# Workshop session: {title}", ""]
    if session.get("saved"):
        lines += [f"Saved {session['saved']}.", ""]
    gut = session.get("gut_calls") or {}
    calls = gut.get("calls") or []
    lines += ["## Gut calls", ""]
    if not calls:
        lines += ["No team recorded a gut call.", ""]
    else:
        reveal = gut.get("reveal") if gut.get("revealed") else None
        if reveal and not session.get("results_hidden"):
            verdicts = {o.get("team"): o for o in reveal.get("outcomes", [])}
            lines += [reveal.get("headline", ""), "", "| Team | Choice | Sure | Simulation | Verdict |",
                      "|---|---|---|---|---|"]
            for c in calls:
                o = verdicts.get(c["team"], {})
                chance = f"best in {_pct(o.get('chance'))}" if o.get("chance") is not None else "n/a"
                lines.append(f"| {c['team']} | {c['choice']} | {_pct(c['confidence'])} | {chance} | "
                             f"{o.get('verdict', '')} |")
        else:
            lines += ["Not revealed yet: the simulation's answer is left out.", "", "| Team | Choice | Sure |",
                      "|---|---|---|"]
            for c in calls:
                lines.append(f"| {c['team']} | {c['choice']} | {_pct(c['confidence'])} |")
        lines.append("")
    teams = session.get("teams") or {}
    lines += ["## Teams side by side", ""]
    if not teams.get("files"):
        lines += ["No team comparison.", ""]
    elif session.get("results_hidden"):
        lines += ["Teams compared: " + ", ".join(Path(f).name for f in teams["files"]) + ".",
                  "The results were hidden when the session was saved; they are left out.", ""]
    else:
        lines += ["Teams compared: " + ", ".join(Path(f).name for f in teams["files"]) + ".", ""]
        if teams.get("headline"):
            lines += [teams["headline"], ""]
        for team, verdict in (teams.get("verdicts") or {}).items():
            lines.append(f"- **{team}**: {verdict}")
        lines.append("")
    cal = session.get("calibration") or {}
    lines += ["## Calibration", ""]
    scores = cal.get("scores") or cal.get("leaderboard") or cal.get("players")
    if not cal:
        lines += ["No calibration round.", ""]
    elif isinstance(scores, dict):
        for who, score in scores.items():
            lines.append(f"- **{who}**: {score}")
        lines.append("")
    elif isinstance(scores, list):
        for row in scores:
            lines.append(f"- {row}")
        lines.append("")
    else:
        lines += ["The calibration trainer's state is saved in the session file.", ""]
    return "\n".join(lines)


__all__ = ["FORMAT", "PARTS", "SUFFIX", "SessionError", "VERSION", "dumps", "load", "loads", "new_session", "save",
           "summary"]
