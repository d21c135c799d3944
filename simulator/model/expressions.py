"""The safe formula language used for amounts in scenario files.

A scenario may write an amount as a formula over named variables, for example
``"(maintenance + labour + materials) * units"`` or ``"0.25 * monthly_margin * 3"``.
Formulas are evaluated vectorised: every variable is a NumPy array of shape
``(iterations,)`` (or a plain float) and every operator is applied to whole arrays.

Safety
------
The text is read by the small tokenizer and Pratt parser in this module and
evaluated by walking the resulting program. It is never handed to ``eval``,
``exec``, ``compile`` or the ``ast`` module, so nothing in a formula can ever be
executed: there is no attribute access, no subscripting, no strings, no keywords
and only the fixed list of functions below. Size limits (``MAX_LENGTH``,
``MAX_DEPTH``, ``MAX_NODES``) make hostile input fail fast with a
:class:`FormulaError`, never a ``RecursionError`` or ``MemoryError``.

Grammar (lowest to highest precedence)
--------------------------------------
======================  ==========================================================
comparison              ``a < b``, ``<=``, ``>``, ``>=``, ``==``, ``!=`` give 1.0 or
                        0.0. Comparisons do **not** chain: ``a < b < c`` is an
                        error; write ``(a < b) * (b < c)`` instead.
sum                     ``a + b``, ``a - b`` (left-associative)
product                 ``a * b``, ``a / b`` (left-associative)
unary sign              ``-a``, ``+a``
power                   ``a ** b``, right-associative and binding tighter than a
                        unary sign on its left, as in Python: ``-2**2 == -4``,
                        ``2**3**2 == 512``, ``2**-1 == 0.5``.
atom                    number, name, ``function(arg, ...)``, ``( expression )``
======================  ==========================================================

Numbers: ``250000``, ``1.5``, ``.5``, ``1.``, ``1e6``, ``2.5E-3``, ``1_000_000``
(single underscores between digits). All numbers are floats.

Names: ``[A-Za-z_][A-Za-z0-9_]*`` (ASCII). Python keywords (``and``, ``lambda``,
``import``, ``True`` ...) are rejected. A function name is only a function when
followed by ``(``; otherwise it is an ordinary variable name.

Functions: ``min(a, b, ...)`` and ``max(a, b, ...)`` (elementwise, two or more
arguments), ``abs(x)``, ``exp(x)``, ``log(x)`` (natural logarithm), ``sqrt(x)``,
``clip(x, lo, hi)`` (= ``min(max(x, lo), hi)``), ``where(cond, a, b)`` (picks ``a``
where ``cond != 0``, else ``b``; note that NaN != 0, so a NaN condition picks ``a``).

Arithmetic follows IEEE floating point through NumPy: division by zero gives
inf or nan, ``9**9**9`` gives inf, ``log(-1)`` and ``sqrt(-1)`` give nan, and
min/max propagate nan. Evaluation runs under ``np.errstate(all="ignore")``, so
no warnings reach the user; the caller checks results for inf/nan.
"""

from __future__ import annotations

import difflib
import functools
import keyword
import numbers
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

__all__ = [
    "FUNCTIONS",
    "IDENTIFIER",
    "is_identifier",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "Formula",
    "FormulaError",
    "is_formula_like",
    "parse",
]

#: Longest formula text accepted, in characters. Checked before anything else.
MAX_LENGTH = 10_000
#: Deepest nesting accepted. Every parenthesis, function argument, unary sign and
#: operator operand opens one level; 100 nested parentheses are fine, 101 are not.
MAX_DEPTH = 100
#: Most parts (numbers, names, operators, function calls) a formula may have.
MAX_NODES = 5_000


# --------------------------------------------------------------------------- errors


class FormulaError(ValueError):
    """A formula that cannot be parsed or evaluated.

    ``str(err)`` is a plain-words message quoting the offending part and saying
    where it is, e.g. ``"unknown function 'foo' at position 5"`` or
    ``"unexpected '.' at position 7 (attribute access is not allowed)"``.

    Attributes:
        message:  the plain-words message (including any hint), without position.
        hint:     the advice part of the message alone, or None.
        position: 0-based character offset of the offending part in the formula
                  text, or None when the problem is not at one place.
        length:   number of characters of the offending part (always >= 1).
        formula:  the formula text, when known (set by parse() and evaluate()).
    """

    def __init__(
        self,
        message: str,
        position: int | None = None,
        length: int = 1,
        hint: str | None = None,
        formula: str | None = None,
    ) -> None:
        self.reason = message
        self.hint = hint
        self.message = f"{message} ({hint})" if hint else message
        self.position = position
        self.length = max(1, int(length))
        self.formula = formula
        where = f" at position {position}" if position is not None else ""
        text = f"{message}{where} ({hint})" if hint else f"{message}{where}"
        super().__init__(text)

    def __reduce__(self):
        return (
            type(self),
            (self.reason, self.position, self.length, self.hint, self.formula),
        )

    def pointer(self) -> str:
        """The formula on one line and a caret line under the offending part.

        Returns "" when the formula text or the position is unknown. Meant for
        command-line output; editors should use ``position``/``length``.
        """
        if self.formula is None or self.position is None:
            return ""
        text = self.formula
        start = min(self.position, len(text))
        end = min(max(start + self.length, start + 1), len(text) + 1)
        # Show at most ~70 characters around the problem, on a single line.
        lo = max(0, start - 30)
        hi = min(len(text), max(end, lo + 70))
        shown = "".join(c if c.isprintable() else " " for c in text[lo:hi])
        prefix = "..." if lo > 0 else ""
        suffix = "..." if hi < len(text) else ""
        caret = " " * (len(prefix) + start - lo) + "^" * max(1, min(end, hi + 1) - start)
        return f"{prefix}{shown}{suffix}\n{caret}"


# --------------------------------------------------------------------------- functions


def _lt(a, b):
    return np.less(a, b).astype(np.float64)


def _le(a, b):
    return np.less_equal(a, b).astype(np.float64)


def _gt(a, b):
    return np.greater(a, b).astype(np.float64)


def _ge(a, b):
    return np.greater_equal(a, b).astype(np.float64)


def _eq(a, b):
    return np.equal(a, b).astype(np.float64)


def _ne(a, b):
    return np.not_equal(a, b).astype(np.float64)


def _min(*args):
    return functools.reduce(np.minimum, args)


def _max(*args):
    return functools.reduce(np.maximum, args)


def _clip(x, lo, hi):
    return np.minimum(np.maximum(x, lo), hi)


def _where(cond, a, b):
    return np.where(np.not_equal(cond, 0.0), a, b)


@dataclass(frozen=True)
class _Function:
    name: str
    min_args: int
    max_args: int | None  # None: no upper limit
    impl: Callable[..., Any]
    signature: str

    def expected(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args} arguments"
        if self.min_args == self.max_args:
            n = self.min_args
            return f"exactly {n} argument{'s' if n != 1 else ''}"
        return f"between {self.min_args} and {self.max_args} arguments"


#: The functions a formula may call, by name. Read-only by convention.
FUNCTIONS: Mapping[str, _Function] = {
    f.name: f
    for f in (
        _Function("abs", 1, 1, np.abs, "abs(x)"),
        _Function("clip", 3, 3, _clip, "clip(x, lo, hi)"),
        _Function("exp", 1, 1, np.exp, "exp(x)"),
        _Function("log", 1, 1, np.log, "log(x)"),
        _Function("max", 2, None, _max, "max(a, b, ...)"),
        _Function("min", 2, None, _min, "min(a, b, ...)"),
        _Function("sqrt", 1, 1, np.sqrt, "sqrt(x)"),
        _Function("where", 3, 3, _where, "where(cond, a, b)"),
    )
}

_FUNCTION_LIST = ", ".join(sorted(FUNCTIONS))

# Binary operators: text -> (left binding power, right binding power, function).
# Left-associative operators use rbp = lbp + 1; '**' uses rbp = lbp (right-assoc).
_CMP_BP = 10
_UNARY_BP = 40  # operand of a unary sign: stops before * and /, includes **
_BINARY: dict[str, tuple[int, int, Callable[..., Any]]] = {
    "<": (_CMP_BP, _CMP_BP + 1, _lt),
    "<=": (_CMP_BP, _CMP_BP + 1, _le),
    ">": (_CMP_BP, _CMP_BP + 1, _gt),
    ">=": (_CMP_BP, _CMP_BP + 1, _ge),
    "==": (_CMP_BP, _CMP_BP + 1, _eq),
    "!=": (_CMP_BP, _CMP_BP + 1, _ne),
    "+": (20, 21, np.add),
    "-": (20, 21, np.subtract),
    "*": (30, 31, np.multiply),
    "/": (30, 31, np.true_divide),
    "**": (50, 50, np.power),
}

# --------------------------------------------------------------------------- tokens

_NUM, _NAME, _OP, _END = "number", "name", "op", "end"

#: A name in a formula, hence a variable's name: ASCII letters, digits and ``_``, not starting
#: with a digit. The one definition (the scenario reader and the editor use it too).
IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_IDENTIFIER_RE = re.compile(rf"^{IDENTIFIER}$")


def is_identifier(text: str) -> bool:
    """``text`` is a usable name (:data:`IDENTIFIER`)."""
    return bool(_IDENTIFIER_RE.match(text))


_DIGITS = r"[0-9](?:_?[0-9])*"
_TOKEN_RE = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<num>(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?)
  | (?P<name>{IDENTIFIER})
  | (?P<op>\*\*|<=|>=|==|!=|[-+*/(),<>])
    """,
    re.VERBOSE,
)
_WORD_TAIL_RE = re.compile(r"[A-Za-z0-9_.]+")

_KEYWORDS = frozenset(keyword.kwlist)

# Characters that are not part of the language, with plain-words advice.
_CHAR_HINTS = {
    "[": "subscripts such as a[0] are not allowed",
    "]": "subscripts such as a[0] are not allowed",
    "'": "text in quotes is not allowed; formulas use only numbers and names",
    '"': "text in quotes is not allowed; formulas use only numbers and names",
    "=": "assignment is not allowed; to compare two values, write '=='",
    ";": "a formula is a single calculation; ';' is not allowed",
    ":": "':' is not allowed in a formula",
    "%": "percent signs are not supported; write 25% as 0.25",
    "^": "'^' is not supported; write powers with '**', e.g. 2 ** 3",
    "{": "braces are not allowed; use parentheses ( ) for grouping",
    "}": "braces are not allowed; use parentheses ( ) for grouping",
    "#": "comments are not allowed in a formula",
    "@": "'@' is not supported; use '*' to multiply",
    "&": "'&' is not supported; to require two conditions, multiply them: (a > 0) * (b > 0)",
    "|": "'|' is not supported; to accept either condition, use max(a > 0, b > 0)",
    "~": "'~' is not supported",
    "!": "'!' is only allowed as part of '!='",
    "\\": "backslashes are not allowed in a formula",
    "$": "currency symbols are not allowed; write plain numbers",
    "€": "currency symbols are not allowed; write plain numbers",
    "£": "currency symbols are not allowed; write plain numbers",
    "¥": "currency symbols are not allowed; write plain numbers",
    "`": "back-quotes are not allowed in a formula",
    "?": "'?' is not supported; use where(cond, a, b) to choose between values",
}

_KEYWORD_HINTS = {
    "and": "to require two conditions, multiply them: (a > 0) * (b > 0)",
    "or": "to accept either condition, use max(a > 0, b > 0)",
    "not": "to negate a condition, write (a == 0) or 1 - (condition)",
    "if": "to choose between values, use where(cond, a, b)",
    "else": "to choose between values, use where(cond, a, b)",
    "True": "write 1 instead",
    "False": "write 0 instead",
    "None": "write 0 or leave the amount out",
}


def _show(ch: str) -> str:
    """A character as it should appear quoted in a message."""
    if ch.isprintable():
        return f"'{ch}'"
    return f"character U+{ord(ch):04X}"


def _tokenize(text: str) -> list[tuple[str, str, int, float | None]]:
    """Split text into (kind, text, position, value) tuples, ending with an END token."""
    tokens: list[tuple[str, str, int, float | None]] = []
    append = tokens.append
    match = _TOKEN_RE.match
    pos = 0
    n = len(text)
    while pos < n:
        m = match(text, pos)
        if m is None:
            _bad_character(text, pos, tokens)
        kind = m.lastgroup
        tok = m.group()
        end = m.end()
        if kind == "ws":
            pos = end
            continue
        if kind == "num":
            if end < n:
                tail = _WORD_TAIL_RE.match(text, end)
                if tail is not None:
                    bad = text[pos : tail.end()]
                    extra = tail.group()
                    hint = None
                    if extra[0].isalpha() and extra[0] not in "eE":
                        hint = f"to multiply, write '{tok} * {extra}'"
                    elif extra[0].isalpha() or "_" in bad:
                        hint = "write numbers like 1500, 1.5, 1e6 or 1_500_000"
                    raise FormulaError(
                        f"'{bad}' is not a valid number", pos, len(bad), hint
                    )
            append((_NUM, tok, pos, float(tok.replace("_", ""))))
        elif kind == "name":
            if tok in _KEYWORDS:
                raise FormulaError(
                    f"reserved word '{tok}' is not allowed",
                    pos,
                    len(tok),
                    _KEYWORD_HINTS.get(tok),
                )
            append((_NAME, tok, pos, None))
        else:
            append((_OP, tok, pos, None))
        pos = end
    append((_END, "", n, None))
    return tokens


def _bad_character(text: str, pos: int, tokens: list) -> None:
    ch = text[pos]
    if ch == ".":
        prev = tokens[-1] if tokens else None
        if prev is not None and (prev[0] == _NAME or prev[1] == ")"):
            hint = "attribute access is not allowed"
        else:
            hint = "a decimal point must be part of a number such as 0.5"
        raise FormulaError("unexpected '.'", pos, 1, hint)
    if ch in "'\"":
        close = text.find(ch, pos + 1)
        length = (close - pos + 1) if close != -1 else 1
        raise FormulaError("unexpected quote", pos, length, _CHAR_HINTS[ch])
    if ch == "=":
        raise FormulaError("unexpected '='", pos, 1, _CHAR_HINTS["="])
    hint = _CHAR_HINTS.get(ch)
    if hint is None and ch.isalpha():
        hint = "names may only use the letters A-Z, digits and '_'"
    raise FormulaError(f"unexpected {_show(ch)}", pos, 1, hint)


# --------------------------------------------------------------------------- parser

# Program instructions: (opcode, payload, arity, position, length).
_CONST, _LOAD, _APPLY = 0, 1, 2


class _Parser:
    """Pratt parser emitting a postfix program (a linearised expression tree)."""

    def __init__(self, text: str, tokens: list) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0
        self.depth = -1  # the top level is level 0; each nested level adds one
        self.program: list[tuple] = []
        self.spans: list[tuple[str, int, int]] = []

    # -- helpers -----------------------------------------------------------
    def _emit(self, instr: tuple) -> None:
        if len(self.program) >= MAX_NODES:
            raise FormulaError(
                f"formula is too large: more than {MAX_NODES} parts",
                instr[3],
                instr[4],
                "split it into smaller named amounts",
            )
        self.program.append(instr)

    def _describe(self, tok) -> str:
        kind, text, _, _ = tok
        if kind == _END:
            return "the end of the formula"
        if kind == _NUM:
            return f"number '{text}'"
        if kind == _NAME:
            return f"name '{text}'"
        return f"'{text}'"

    # -- grammar -----------------------------------------------------------
    def parse(self) -> None:
        self._expression(0)
        tok = self.tokens[self.i]
        if tok[0] != _END:
            # _expression stops only at ')', ',' or END.
            if tok[1] == ")":
                raise FormulaError(
                    "unexpected ')'", tok[2], 1, "there is no matching '(' before it"
                )
            raise FormulaError(
                "unexpected ','",
                tok[2],
                1,
                "commas only separate the arguments of a function such as max(a, b); "
                "write large numbers as 1000000 or 1_000_000",
            )

    def _expression(self, min_bp: int) -> None:
        tokens = self.tokens
        self.depth += 1
        if self.depth > MAX_DEPTH:
            tok = tokens[max(0, self.i - 1)]  # the '(', sign or operator that opened the level
            raise FormulaError(
                f"formula is nested too deeply: more than {MAX_DEPTH} levels",
                tok[2],
                max(1, len(tok[1])),
                "simplify it or split it into smaller named amounts",
            )
        self._prefix()
        chained = False
        while True:
            tok = tokens[self.i]
            kind, op, pos, _ = tok
            if kind == _OP and op in _BINARY:
                lbp, rbp, impl = _BINARY[op]
                if lbp < min_bp:
                    break
                is_cmp = lbp == _CMP_BP
                if is_cmp and chained:
                    raise FormulaError(
                        f"comparisons cannot be chained: '{op}' follows another comparison",
                        pos,
                        len(op),
                        "write (a < b) * (b < c) to require both",
                    )
                self.i += 1
                if tokens[self.i][0] == _END:
                    raise FormulaError(
                        f"formula is incomplete: something is missing after '{op}'",
                        pos,
                        len(op),
                    )
                self._expression(rbp)
                self._emit((_APPLY, impl, 2, pos, len(op)))
                chained = is_cmp
            elif kind == _END or (kind == _OP and op in "),"):
                break
            else:
                raise FormulaError(
                    f"unexpected {self._describe(tok)}",
                    pos,
                    max(1, len(op)),
                    "an operator such as '+' or '*' is missing before it",
                )
        self.depth -= 1

    def _prefix(self) -> None:
        tokens = self.tokens
        tok = tokens[self.i]
        kind, text, pos, value = tok
        if kind == _NUM:
            self.i += 1
            self._emit((_CONST, value, 0, pos, len(text)))
            return
        if kind == _NAME:
            self.i += 1
            nxt = tokens[self.i]
            if nxt[0] == _OP and nxt[1] == "(":
                self._call(tok)
                return
            self.spans.append((text, pos, pos + len(text)))
            self._emit((_LOAD, text, 0, pos, len(text)))
            return
        if kind == _OP:
            if text == "(":
                self.i += 1
                if tokens[self.i][1] == ")" and tokens[self.i][0] == _OP:
                    raise FormulaError(
                        "empty parentheses '()'", pos, tokens[self.i][2] - pos + 1
                    )
                self._expression(0)
                close = tokens[self.i]
                if close[0] == _OP and close[1] == ")":
                    self.i += 1
                    return
                if close[0] == _END:
                    raise FormulaError(
                        "missing ')' for the '('", pos, 1
                    )
                raise FormulaError(
                    "unexpected ','",
                    close[2],
                    1,
                    "commas only separate the arguments of a function such as max(a, b)",
                )
            if text in ("-", "+"):
                self.i += 1
                if tokens[self.i][0] == _END:
                    raise FormulaError(
                        f"formula is incomplete: something is missing after '{text}'",
                        pos,
                        1,
                    )
                start = len(self.program)
                self._expression(_UNARY_BP)
                if text == "-":
                    if len(self.program) == start + 1 and self.program[-1][0] == _CONST:
                        # Fold a negative literal such as -5 into one constant.
                        _, v, _, p, ln = self.program[-1]
                        self.program[-1] = (_CONST, -v, 0, pos, p + ln - pos)
                    else:
                        self._emit((_APPLY, np.negative, 1, pos, 1))
                return
        if kind == _END:
            prev = tokens[self.i - 1] if self.i > 0 else None
            if prev is None:
                raise FormulaError("formula is empty")
            raise FormulaError(
                f"formula is incomplete: something is missing after '{prev[1]}'",
                prev[2],
                max(1, len(prev[1])),
            )
        # An operator where a value was expected.
        if text == ")":
            hint = "a value is missing before it"
        elif text == ",":
            hint = "a value is missing before it, or the comma is outside a function call"
        else:
            hint = "a number, a name or '(' was expected here"
        raise FormulaError(f"unexpected '{text}'", pos, len(text), hint)

    def _call(self, name_tok) -> None:
        tokens = self.tokens
        _, name, pos, _ = name_tok
        func = FUNCTIONS.get(name)
        if func is None:
            raise FormulaError(
                f"unknown function '{name}'",
                pos,
                len(name),
                f"the functions are {_FUNCTION_LIST}; to multiply, write '{name} * (...)'",
            )
        open_pos = tokens[self.i][2]
        self.i += 1  # the '('
        nargs = 0
        if tokens[self.i][0] == _OP and tokens[self.i][1] == ")":
            close_tok = tokens[self.i]
        else:
            while True:
                self._expression(0)
                nargs += 1
                tok = tokens[self.i]
                if tok[0] == _OP and tok[1] == ",":
                    self.i += 1
                    continue
                if tok[0] == _OP and tok[1] == ")":
                    close_tok = tok
                    break
                raise FormulaError(
                    f"missing ')' for '{name}('", open_pos, 1
                )
        self.i += 1  # the ')'
        span = close_tok[2] + 1 - pos
        if nargs < func.min_args or (func.max_args is not None and nargs > func.max_args):
            raise FormulaError(
                f"wrong number of arguments for {name}(): it needs {func.expected()}, "
                f"got {nargs}",
                pos,
                span,
                f"write {func.signature}",
            )
        self._emit((_APPLY, func.impl, nargs, pos, len(name)))


# --------------------------------------------------------------------------- evaluation


def _as_number(value: Any, name: str, pos: int, text: str):
    """An environment value as a float or a float ndarray (never mutated later)."""
    if type(value) is float:
        return value
    if isinstance(value, np.ndarray):
        if value.dtype == np.float64:
            return value
        if value.dtype.kind in "biuf":
            return value.astype(np.float64)
    elif isinstance(value, numbers.Real) and not isinstance(value, (str, bytes)):
        return float(value)
    elif not isinstance(value, (str, bytes, numbers.Complex)):
        try:
            arr = np.asarray(value)
        except Exception:  # anything odd is simply "not a number"
            arr = None
        if arr is not None and arr.dtype.kind in "biuf":
            return arr.astype(np.float64)
    raise FormulaError(
        f"the value of '{name}' is not a number", pos, len(name), formula=text
    )


def _run(program: tuple, env: Mapping[str, Any], text: str):
    stack: list[Any] = []
    push = stack.append
    pop = stack.pop
    for opcode, payload, arity, pos, length in program:
        if opcode == _CONST:
            push(payload)
        elif opcode == _LOAD:
            try:
                value = env[payload]
            except KeyError:
                close = difflib.get_close_matches(payload, [k for k in env if isinstance(k, str)], n=1)
                raise FormulaError(
                    f"unknown name '{payload}'",
                    pos,
                    length,
                    f"did you mean '{close[0]}'?" if close else None,
                    formula=text,
                ) from None
            push(_as_number(value, payload, pos, text))
        else:
            try:
                if arity == 2:
                    b = pop()
                    stack[-1] = payload(stack[-1], b)
                elif arity == 1:
                    stack[-1] = payload(stack[-1])
                else:
                    args = stack[-arity:]
                    del stack[-arity:]
                    push(payload(*args))
            except (ValueError, TypeError) as exc:
                raise _combine_error(exc, text, pos, length) from None
    return stack[0]


def _combine_error(exc: Exception, text: str, pos: int, length: int) -> FormulaError:
    part = text[pos : pos + length]
    if "broadcast" in str(exc):
        return FormulaError(
            f"cannot combine values of different lengths at '{part}'",
            pos,
            length,
            "all variables must have the same number of iterations",
            formula=text,
        )
    return FormulaError(f"cannot calculate '{part}': {exc}", pos, length, formula=text)


# --------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class Formula:
    """A parsed formula, ready to be evaluated many times.

    Attributes:
        text:       the formula text exactly as given.
        names:      the variable names it references.
        name_spans: (name, start, end) for every variable reference, in order of
                    appearance; ``text[start:end] == name``. Function names used as
                    calls are not included.
    """

    text: str
    names: frozenset[str]
    name_spans: tuple[tuple[str, int, int], ...]
    _program: tuple | None = field(default=None, repr=False, compare=False)

    def evaluate(self, env: Mapping[str, Any]) -> np.ndarray | float:
        """Evaluate with NumPy broadcasting.

        ``env`` maps names to arrays (any numeric dtype; converted to float64) or
        numbers. Only the names the formula uses are looked up. Returns a float
        when everything involved is scalar, otherwise a new float64 array that the
        caller owns (never one of the arrays in ``env``). Results may contain inf
        or nan; no NumPy warnings are emitted.

        Raises FormulaError for a name missing from ``env`` ("unknown name 'x'"),
        a non-numeric value, or arrays whose shapes cannot be broadcast together.
        """
        program = self._program
        if program is None:
            program = parse(self.text)._program
        with np.errstate(all="ignore"):
            result = _run(program, env, self.text)
        if isinstance(result, np.ndarray):
            if result.ndim == 0:
                return result[()]
            if len(program) == 1:
                result = result.copy()  # the formula is just a name: do not alias env
        return result

    def __reduce__(self):
        return (parse, (self.text,))


def parse(text: str) -> Formula:
    """Parse a formula, raising FormulaError with a plain-words message if it is invalid."""
    if not isinstance(text, str):
        what = "a number" if isinstance(text, (numbers.Number, np.ndarray)) else type(text).__name__
        raise FormulaError(f"a formula must be text, not {what}")
    if type(text) is not str:
        text = str.__str__(text)
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            f"formula is too long: {len(text)} characters, the limit is {MAX_LENGTH}"
        )
    return _parse_cached(text)


@functools.lru_cache(maxsize=512)
def _parse_cached(text: str) -> Formula:
    try:
        if not text.strip():
            raise FormulaError("formula is empty")
        tokens = _tokenize(text)
        parser = _Parser(text, tokens)
        try:
            parser.parse()
        except RecursionError:  # only if the caller's stack is already nearly full
            raise FormulaError(
                "formula is nested too deeply", None, 1,
                "simplify it or split it into smaller named amounts",
            ) from None
    except FormulaError as err:
        if err.formula is None:
            err.formula = text
        raise
    spans = tuple(parser.spans)
    return Formula(
        text=text,
        names=frozenset(name for name, _, _ in spans),
        name_spans=spans,
        _program=tuple(parser.program),
    )


def is_formula_like(value: Any) -> bool:
    """True if a scenario value should be treated as a formula (and parsed).

    Formulas are written as strings; plain numbers (int/float) are amounts, not
    formulas. Any non-blank string counts, including "250000": parse() accepts it
    and reports precise errors for the rest. Does not validate.
    """
    return isinstance(value, str) and bool(value.strip())
