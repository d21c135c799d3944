"""Tests for simulator.model.expressions, the safe formula language."""

from __future__ import annotations

import builtins
import inspect
import math
import pickle
import re
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simulator.model import expressions
from simulator.model.expressions import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    Formula,
    FormulaError,
    is_formula_like,
    parse,
)


def ev(text, **env):
    return parse(text).evaluate(env)


def error_of(text) -> FormulaError:
    with pytest.raises(FormulaError) as info:
        parse(text)
    return info.value


# --------------------------------------------------------------------------- arithmetic


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2 + 3 * 4 ** 2 / 8", 8.0),
        ("-2**2", -4.0),
        ("(-2)**2", 4.0),
        ("2**3**2", 512.0),
        ("(2**3)**2", 64.0),
        ("2**-1", 0.5),
        ("-2**-2", -0.25),
        ("2 ** -1 ** 2", 0.5),  # 2 ** (-(1 ** 2))
        ("10 - 4 - 3", 3.0),
        ("100 / 10 / 5", 2.0),
        ("2 * 3 + 4 * 5", 26.0),
        ("(2 + 3) * 4", 20.0),
        ("--3", 3.0),
        ("- - 3", 3.0),
        ("+3", 3.0),
        ("1 - -1", 2.0),
        ("2*-3", -6.0),
        ("-3 * 2", -6.0),
        ("250000", 250000.0),
        ("1.5", 1.5),
        (".5", 0.5),
        ("1.", 1.0),
        ("1e6", 1e6),
        ("2.5E-3", 2.5e-3),
        ("1e+2", 100.0),
        ("1_000_000", 1e6),
        ("1_000.000_5", 1000.0005),
        ("1.e2", 100.0),
        ("0.25 * 4000 * 3", 3000.0),
        ("  \t1\n+\r\n2  ", 3.0),
        ("1\u00a0+\u00a02", 3.0),  # non-breaking spaces pasted from a spreadsheet
        ("((((7))))", 7.0),
    ],
)
def test_arithmetic_and_precedence(text, expected):
    result = ev(text)
    assert isinstance(result, float)
    assert result == pytest.approx(expected, rel=1e-15)


def test_numbers_are_floats_so_huge_powers_overflow_instead_of_hanging():
    start = time.perf_counter()
    assert ev("9**9**9") == math.inf
    assert ev("10 ** 400") == math.inf
    assert ev("1e400") == math.inf
    assert time.perf_counter() - start < 1.0


def test_ieee_results_without_warnings():
    with np.errstate(all="raise"):  # evaluate() must not let warnings through
        assert ev("1 / 0") == math.inf
        assert ev("-1 / 0") == -math.inf
        assert math.isnan(ev("0 / 0"))
        assert math.isnan(ev("log(-1)"))
        assert ev("log(0)") == -math.inf
        assert math.isnan(ev("sqrt(-4)"))
        assert math.isnan(ev("(-8) ** (1/3)"))
        out = ev("x / y", x=np.array([1.0, 0.0, -1.0]), y=np.zeros(3))
    np.testing.assert_array_equal(out, [np.inf, np.nan, -np.inf])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("abs(-3)", 3.0),
        ("exp(0)", 1.0),
        ("exp(1)", math.e),
        ("log(exp(2))", 2.0),
        ("sqrt(16)", 4.0),
        ("min(3, 1, 2)", 1.0),
        ("max(3, 1, 2)", 3.0),
        ("min(4, -5)", -5.0),
        ("max(1, 2) + min(3, 4)", 5.0),
        ("clip(5, 0, 3)", 3.0),
        ("clip(-5, 0, 3)", 0.0),
        ("clip(2, 0, 3)", 2.0),
        ("where(1, 10, 20)", 10.0),
        ("where(0, 10, 20)", 20.0),
        ("where(1 < 2, 10, 20)", 10.0),
        ("where(-0.5, 10, 20)", 10.0),
        ("max (1, 2)", 2.0),
        ("max(\n  1,\n  2\n)", 2.0),
        ("-abs(-2) ** 2", -4.0),
        ("min(1, 2, 3, 4, 5, 6, 7, -8)", -8.0),
    ],
)
def test_functions(text, expected):
    assert ev(text) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 < 2", 1.0),
        ("2 < 1", 0.0),
        ("2 <= 2", 1.0),
        ("3 > 2", 1.0),
        ("2 >= 3", 0.0),
        ("2 == 2", 1.0),
        ("2 != 2", 0.0),
        ("1 + 1 == 2", 1.0),  # comparisons have the lowest precedence
        ("2 * 3 > 5 - 1", 1.0),
        ("(1 < 2) + (3 < 4)", 2.0),
        ("(1 < 2) < 3", 1.0),  # explicit parentheses allow comparing a comparison
        ("1 == -1", 0.0),
    ],
)
def test_comparisons(text, expected):
    assert ev(text) == expected


def test_comparisons_do_not_chain():
    err = error_of("1 < 2 < 3")
    assert "chained" in str(err)
    assert err.position == 6
    with pytest.raises(FormulaError):
        parse("a == b != c")
    with pytest.raises(FormulaError):
        parse("a <= b + 1 >= c")


def test_functions_on_arrays_and_broadcasting():
    x = np.array([-2.0, 0.0, 1.5, 10.0])
    y = np.array([1.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(ev("clip(x, 0, 5)", x=x), [0.0, 0.0, 1.5, 5.0])
    np.testing.assert_array_equal(ev("clip(x, lo, 5)", x=x, lo=np.array([-3.0, 1, 1, 1])), [-2.0, 1.0, 1.5, 5.0])
    np.testing.assert_array_equal(ev("where(x > 0, x, 0)", x=x), [0.0, 0.0, 1.5, 10.0])
    np.testing.assert_array_equal(ev("where(x, 1, 2)", x=x), [1.0, 2.0, 1.0, 1.0])
    np.testing.assert_array_equal(ev("min(x, y, 0.5)", x=x, y=y), [-2.0, 0.0, 0.5, 0.5])
    np.testing.assert_array_equal(ev("max(x, y)", x=x, y=y), [1.0, 1.0, 1.5, 10.0])
    np.testing.assert_array_equal(ev("abs(x)", x=x), np.abs(x))
    np.testing.assert_array_equal(ev("x >= 0", x=x), [0.0, 1.0, 1.0, 1.0])
    # a float and an array broadcast together
    np.testing.assert_array_equal(ev("rate * x", rate=0.5, x=x), 0.5 * x)
    np.testing.assert_array_equal(ev("x + 1", x=x), x + 1)
    out = ev("where(flag, a, b)", flag=np.array([1.0, 0.0]), a=5.0, b=7.0)
    np.testing.assert_array_equal(out, [5.0, 7.0])
    assert out.dtype == np.float64


def test_business_formula():
    n = 1000
    rng = np.random.default_rng(1)
    env = {
        "maintenance": rng.normal(100, 10, n),
        "labour": rng.normal(300, 30, n),
        "materials": 50.0,
        "units": rng.integers(1, 10, n),  # integer arrays are accepted
    }
    out = ev("(maintenance + labour + materials) * units", **env)
    expected = (env["maintenance"] + env["labour"] + 50.0) * env["units"]
    np.testing.assert_allclose(out, expected, rtol=1e-15)
    assert out.shape == (n,)
    assert out.dtype == np.float64


def test_scalar_and_array_result_types():
    assert isinstance(ev("1 + x", x=2.0), float)
    assert isinstance(ev("where(1, 2, 3)"), float)  # 0-d arrays are unwrapped
    assert isinstance(ev("x", x=3), float)
    assert isinstance(ev("x * 2", x=np.array([1, 2])), np.ndarray)


def test_result_never_aliases_env_arrays():
    x = np.array([1.0, 2.0])
    for text in ("x", "(x)", "+x", "((+x))"):
        out = parse(text).evaluate({"x": x})
        np.testing.assert_array_equal(out, x)
        out[0] = 99.0
        assert x[0] == 1.0


def test_integer_inputs_do_not_break_negative_powers_or_overflow():
    np.testing.assert_array_equal(ev("a ** b", a=np.array([2, 4]), b=np.array([-1, -2])), [0.5, 0.0625])
    assert ev("a * b", a=np.array([2**62]), b=np.array([4]))[0] == pytest.approx(2.0**64)
    assert ev("a ** b", a=2, b=-1) == 0.5
    assert ev("a + b", a=True, b=np.array([True]))[0] == 2.0


# --------------------------------------------------------------------------- names


def test_names_and_spans():
    text = "(maintenance + labour + materials) * units"
    f = parse(text)
    assert f.text == text
    assert f.names == frozenset({"maintenance", "labour", "materials", "units"})
    assert f.name_spans == (
        ("maintenance", 1, 12),
        ("labour", 15, 21),
        ("materials", 24, 33),
        ("units", 37, 42),
    )
    for name, start, end in f.name_spans:
        assert text[start:end] == name


def test_repeated_names_and_function_names_as_variables():
    f = parse("x + x*max(x, max) + _y2 - min")
    assert f.names == frozenset({"x", "max", "_y2", "min"})
    assert [s[0] for s in f.name_spans] == ["x", "x", "x", "max", "_y2", "min"]
    assert [s[1] for s in f.name_spans] == [0, 4, 10, 13, 20, 26]
    assert f.evaluate({"x": 1.0, "max": 5.0, "_y2": 2.0, "min": 3.0}) == 1 + 5 + 2 - 3


def test_constant_formula_has_no_names():
    f = parse("2 * exp(0)")
    assert f.names == frozenset()
    assert f.name_spans == ()


def test_missing_name_reports_position():
    f = parse("a + labr * 2")
    with pytest.raises(FormulaError) as info:
        f.evaluate({"a": 1.0, "labour": 2.0})
    err = info.value
    assert err.position == 4
    assert err.length == 4
    assert err.message.startswith("unknown name 'labr'")
    assert "unknown name 'labr' at position 4" in str(err)
    assert "labour" in str(err)  # suggests the close match


def test_non_numeric_values_and_mismatched_shapes():
    with pytest.raises(FormulaError, match="not a number"):
        ev("x + 1", x="12")
    with pytest.raises(FormulaError, match="not a number"):
        ev("x + 1", x=np.array(["a"]))
    with pytest.raises(FormulaError, match="not a number"):
        ev("x + 1", x=None)
    with pytest.raises(FormulaError) as info:
        ev("a + b", a=np.ones(3), b=np.ones(5))
    assert info.value.position == 2
    assert "different lengths" in str(info.value)


def test_formula_is_immutable_cached_and_picklable():
    f = parse("a * 2")
    assert parse("a * 2") == f
    with pytest.raises(AttributeError):
        f.text = "b"  # type: ignore[misc]
    g = pickle.loads(pickle.dumps(f))
    assert g == f
    assert g.evaluate({"a": 3.0}) == 6.0
    # a Formula built by hand (without the compiled program) still evaluates
    assert Formula("a * 2", frozenset({"a"}), (("a", 0, 1),)).evaluate({"a": 2.0}) == 4.0


def test_formula_error_pickles_with_its_details():
    err = error_of("1 + foo(2)")
    again = pickle.loads(pickle.dumps(err))
    assert (again.position, again.length, again.message, str(again)) == (
        err.position,
        err.length,
        err.message,
        str(err),
    )


def test_is_formula_like():
    assert is_formula_like("a + b")
    assert is_formula_like("250000")
    assert not is_formula_like("   ")
    assert not is_formula_like(250000)
    assert not is_formula_like(1.5)
    assert not is_formula_like(None)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "text, position, words",
    [
        ("", None, "formula is empty"),
        ("   \t\n", None, "formula is empty"),
        ("a.b", 1, "attribute access"),
        ("units.__class__", 5, "attribute access"),
        ("(a).b", 3, "attribute access"),
        ("a[0]", 1, "subscripts"),
        ("'x'", 0, "quote"),
        ('"x"', 0, "quote"),
        ("lambda: 1", 0, "reserved word 'lambda'"),
        ("lambda x: x", 0, "reserved word 'lambda'"),
        ("import os", 0, "reserved word 'import'"),
        ("a and b", 2, "reserved word 'and'"),
        ("x if y else z", 2, "reserved word 'if'"),
        ("True", 0, "reserved word 'True'"),
        ("a; b", 1, "';'"),
        ("a = 1", 2, "assignment"),
        ("1, 2", 1, "','"),
        ("(1, 2)", 2, "','"),
        ("1,000,000", 1, "','"),
        ("units(3)", 0, "unknown function 'units'"),
        ("1 + foo(2)", 4, "unknown function 'foo'"),
        ("__import__(os)", 0, "unknown function '__import__'"),
        ("eval(1)", 0, "unknown function 'eval'"),
        ("min(1)", 0, "min()"),
        ("max()", 0, "max()"),
        ("abs(1, 2)", 0, "abs()"),
        ("clip(1, 2)", 0, "clip()"),
        ("where(1, 2)", 0, "where()"),
        ("log()", 0, "log()"),
        ("1 +", 2, "incomplete"),
        ("-", 0, "incomplete"),
        ("(1", 0, "missing ')'"),
        ("max(1, 2", 3, "missing ')'"),
        ("1)", 1, "')'"),
        ("()", 0, "empty parentheses"),
        ("max(1,)", 6, "')'"),
        ("max(,1)", 4, "','"),
        ("* 2", 0, "'*'"),
        ("1 * * 2", 4, "'*'"),
        ("1 ** ** 2", 5, "'**'"),
        ("a b", 2, "name 'b'"),
        ("2 3", 2, "number '3'"),
        ("(a)(b)", 3, "'('"),
        ("2x", 0, "'2x' is not a valid number"),
        ("1e", 0, "not a valid number"),
        ("1__0", 0, "not a valid number"),
        ("1_", 0, "not a valid number"),
        ("1.5.3", 0, "not a valid number"),
        ("1..2", 0, "not a valid number"),
        (".", 0, "'.'"),
        ("25%", 2, "'%'"),
        ("2^3", 1, "'**'"),
        ("$5", 0, "currency"),
        ("{a}", 0, "'{'"),
        ("a @ b", 2, "'@'"),
        ("a // b", 3, "'/'"),
        ("a!b", 1, "'!'"),
        ("a\x00", 1, "U+0000"),
        ("é + 1", 0, "'é'"),
        ("١ + 1", 0, "unexpected"),  # Arabic-Indic digit: not an ASCII digit
        ("1 < 2 < 3", 6, "chained"),
    ],
)
def test_invalid_formulas(text, position, words):
    err = error_of(text)
    assert isinstance(err, ValueError)
    assert err.position == position
    assert err.length >= 1
    assert words in str(err)
    if position is not None:
        assert f"at position {position}" in str(err)
        assert "at position" not in err.message
        assert 0 <= position <= len(text)
    assert err.formula == text


def test_error_messages_name_the_function_and_expected_count():
    assert "min(): it needs at least 2 arguments, got 1" in str(error_of("min(1)"))
    assert "clip(): it needs exactly 3 arguments, got 2" in str(error_of("clip(1, 2)"))
    assert "abs(): it needs exactly 1 argument, got 2" in str(error_of("abs(1, 2)"))


def test_error_message_format_matches_documented_examples():
    err = error_of("1 + foo(2)")
    assert str(err).startswith("unknown function 'foo' at position 4")
    err = error_of("units.x")
    assert str(err) == "unexpected '.' at position 5 (attribute access is not allowed)"
    assert err.message == "unexpected '.' (attribute access is not allowed)"
    assert err.pointer() == "units.x\n     ^"


def test_non_text_is_rejected():
    for value in (None, 12, 1.5, b"1+2", ["1"]):
        with pytest.raises(FormulaError):
            parse(value)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- hostile input


HOSTILE = [
    "x" * (1 << 20),
    "1+" * 600_000 + "1",
    "(" * 100_000 + "1" + ")" * 100_000,
    "-" * 100_000 + "1",
    "1" + "**1" * 100_000,
    "max(" * 100_000 + "1" + ")" * 100_000,
    # the same shapes, small enough to pass the length check
    "(" * 4_000 + "1" + ")" * 4_000,
    "(" * 9_999,
    "-" * 9_999 + "1",
    "+" * 9_999 + "1",
    "1" + "**1" * 3_000,
    "abs(" * 1_999 + "1" + ")" * 1_999,
    "max(1," * 1_500 + "1" + ")" * 1_500,
    "+".join(["1"] * 5_000),
    "+".join(["a"] * 5_000),
    "min(" + ",".join(["1"] * 4_999) + ")",
    "__import__('os').system('echo hi')",
    "__import__(\"os\")",
    "().__class__.__bases__[0].__subclasses__()",
    "open('/etc/passwd').read()",
    "lambda: 0",
    "[x for x in (1,)]",
    "a if b else c",
    "f'{1}'",
    "exec('1')",
    "eval(1)",
    "globals()",
    "x := 1",
    "1; 2",
    "a = 1",
    "\\x41",
    "\x00" * 100,
]


def test_hostile_inputs_are_rejected_quickly():
    start = time.perf_counter()
    for text in HOSTILE:
        with pytest.raises(FormulaError):
            parse(text)
    assert time.perf_counter() - start < 1.0


def test_megabyte_input_is_rejected_before_tokenising():
    text = "1+" * (1 << 19)
    start = time.perf_counter()
    err = error_of(text)
    assert time.perf_counter() - start < 0.05
    assert str(err) == f"formula is too long: {len(text)} characters, the limit is {MAX_LENGTH}"
    assert err.position is None


def test_very_long_number_is_just_big():
    assert ev("9" * 400) == math.inf
    with pytest.raises(FormulaError, match="too long"):
        parse("9" * (MAX_LENGTH + 1))


def test_depth_limit_is_exact():
    ok = "(" * MAX_DEPTH + "1" + ")" * MAX_DEPTH
    assert ev(ok) == 1.0
    assert ev("-" * MAX_DEPTH + "1") == 1.0
    for deep in (
        "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1),
        "-" * (MAX_DEPTH + 1) + "1",
        "abs(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1),
        "2" + "**2" * (MAX_DEPTH + 1),
    ):
        err = error_of(deep)
        assert "nested too deeply" in str(err)
        assert err.position is not None


def test_node_limit_but_long_flat_sums_evaluate_without_recursion():
    terms = (MAX_NODES + 1) // 2  # n terms + (n - 1) additions = MAX_NODES parts
    text = "+".join(["x"] * terms)
    assert ev(text, x=np.ones(3)).tolist() == [terms] * 3
    err = error_of(text + "+x")
    assert "too large" in str(err)


def test_nothing_is_executed(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    payloads = [
        f"__import__('os').system('touch {marker}')",
        f'__import__("os").system("touch {marker}")',
        "__import__(os).system(touch)",
        "os.system(x)",
        "system(x)",
        "__import__",
        "open(marker, w)",
    ]

    def forbidden(*args, **kwargs):
        raise AssertionError("the formula module must never call eval/exec/compile")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "compile", forbidden)
    for text in payloads:
        try:
            f = parse(text)
        except FormulaError:
            continue
        # Names that parse are only looked up in the environment, never resolved otherwise.
        with pytest.raises(FormulaError, match="unknown name"):
            f.evaluate({})
    # an ordinary formula also works with eval/exec/compile unavailable
    assert parse("1 + 2 * y").evaluate({"y": 3.0}) == 7.0
    assert not marker.exists()


def test_module_does_not_use_eval_exec_compile_or_ast():
    source = inspect.getsource(expressions)
    assert not re.search(r"(?<![\w.])(eval|exec|compile|__import__)\s*\(", source)
    assert not re.search(r"^\s*(import ast|from ast)", source, re.M)
    imported = {
        line.split()[1].split(".")[0]
        for line in source.splitlines()
        if line.startswith(("import ", "from "))
    }
    assert imported <= {"__future__", "difflib", "functools", "keyword", "numbers", "re", "dataclasses", "typing", "numpy"}


# --------------------------------------------------------------------------- hypothesis

# Precedence levels used to decide where the renderer needs parentheses.
CMP, ADD, MUL, UNARY, POW, ATOM = 1, 2, 3, 4, 5, 6

N = 4
# Mostly non-zero values, so that a wrongly grouped formula gives a different number
# (with zeros everywhere, a - b - c and a - (b - c) would agree).
SCALAR = st.one_of(
    st.floats(min_value=0.25, max_value=50),
    st.floats(min_value=-50, max_value=-0.25),
    st.sampled_from([0.0, 1.0, -1.0]),
).map(float)
ARRAY_ELEMENTS = SCALAR


@st.composite
def environments(draw):
    env = {name: np.array(draw(st.lists(ARRAY_ELEMENTS, min_size=N, max_size=N))) for name in ("a", "b", "units")}
    env.update({name: draw(SCALAR) for name in ("x", "rate", "_y2")})
    return env


@st.composite
def number_literals(draw):
    """(text, value): a non-negative number in one of the accepted spellings."""
    style = draw(st.sampled_from(["int", "underscore", "float", "lead_dot", "trail_dot", "exp"]))
    if style == "int":
        n = draw(st.integers(0, 20) | st.integers(0, 10**6))
        return str(n), float(n)
    if style == "underscore":
        n = draw(st.integers(1000, 10**9))
        return f"{n:_}", float(n)
    if style == "float":
        v = draw(st.floats(0.1, 100))
        return repr(v), v
    if style == "lead_dot":
        digits = draw(st.text("0123456789", min_size=1, max_size=6))
        return "." + digits, float("0." + digits)
    if style == "trail_dot":
        n = draw(st.integers(0, 999))
        return f"{n}.", float(n)
    mantissa = draw(st.integers(0, 999))
    exp = draw(st.integers(-5, 5))
    e = draw(st.sampled_from(["e", "E"]))
    sign = draw(st.sampled_from(["", "+"])) if exp >= 0 else "-"
    return f"{mantissa}{e}{sign}{abs(exp)}", float(f"{mantissa}e{exp}")


def _wrap(text, need):
    return f"({text})" if need else text


@st.composite
def expressions_with_values(draw, env, depth=0, simple=False):
    """(text, precedence, value) of a random well-formed formula.

    The value is computed here with NumPy directly, as the reference the parser
    must reproduce. ``simple`` restricts to digits 1-9, names and the arithmetic
    operators, which makes chains such as a - b - c or 2 ** 3 ** 2 frequent and
    their values finite, so that a wrong grouping shows up as a wrong number.
    """
    ws = lambda: draw(st.sampled_from(["", "", " ", "  ", "\t", "\n"]))
    # never a bare leaf at the top; ever more likely further down (at most 5 deep)
    max_depth = 3 if simple else 5
    leaf = depth >= max_depth or draw(st.integers(0, 9)) < 2 * depth
    if leaf:
        if simple and draw(st.booleans()):
            digit = draw(st.integers(1, 9))
            return str(digit), ATOM, float(digit)
        if draw(st.booleans()):
            text, value = draw(number_literals())
        else:
            text = draw(st.sampled_from(sorted(env)))
            value = env[text]
        return text, ATOM, value

    if simple:
        kind = draw(st.sampled_from(["binary"] * 8 + ["unary", "paren"]))
    else:
        kind = draw(st.sampled_from(["binary"] * 6 + ["unary", "call", "call", "paren"]))
    sub = lambda: draw(expressions_with_values(env, depth + 1, simple))

    if kind == "paren":
        text, _, value = sub()
        return f"({ws()}{text}{ws()})", ATOM, value

    if kind == "unary":
        sign = draw(st.sampled_from(["-", "+"]))
        text, prec, value = sub()
        text = _wrap(text, prec < UNARY)
        return f"{sign}{ws()}{text}", UNARY, (np.negative(value) if sign == "-" else value)

    if kind == "binary":
        if simple:
            op = draw(st.sampled_from(["+", "-", "*", "/", "**"]))
        else:
            op = draw(st.sampled_from(["+", "-", "*", "/"] * 4 + ["**"] * 2 + ["<", "<=", ">", ">=", "==", "!="]))
        ltext, lprec, lval = sub()
        rtext, rprec, rval = sub()
        if op == "**":
            prec = POW
            ltext = _wrap(ltext, lprec <= POW)  # right-assoc; a sign on the left must be wrapped
            rtext = _wrap(rtext, rprec < UNARY)  # 2**-x and 2**3**2 need no parentheses
            value = np.power(lval, rval)
        elif op in ("+", "-", "*", "/"):
            prec = ADD if op in "+-" else MUL
            ltext = _wrap(ltext, lprec < prec)
            rtext = _wrap(rtext, rprec <= prec)
            fn = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide}[op]
            value = fn(lval, rval)
        else:
            prec = CMP
            ltext = _wrap(ltext, lprec <= CMP)  # comparisons do not chain
            rtext = _wrap(rtext, rprec <= CMP)
            fn = {
                "<": np.less,
                "<=": np.less_equal,
                ">": np.greater,
                ">=": np.greater_equal,
                "==": np.equal,
                "!=": np.not_equal,
            }[op]
            value = fn(lval, rval).astype(float)
        # randomly add redundant parentheses too
        if draw(st.integers(0, 9)) == 0:
            ltext = f"({ltext})"
        if draw(st.integers(0, 9)) == 0:
            rtext = f"({rtext})"
        return f"{ltext}{ws()}{op}{ws()}{rtext}", prec, value

    name = draw(st.sampled_from(["min", "max", "abs", "exp", "log", "sqrt", "clip", "where"]))
    nargs = {"min": None, "max": None, "clip": 3, "where": 3}.get(name, 1)
    if nargs is None:
        nargs = draw(st.integers(2, 4))
    args = [sub() for _ in range(nargs)]
    vals = [v for _, _, v in args]
    if name in ("min", "max"):
        fn = np.minimum if name == "min" else np.maximum
        value = vals[0]
        for v in vals[1:]:
            value = fn(value, v)
    elif name == "clip":
        value = np.minimum(np.maximum(vals[0], vals[1]), vals[2])
    elif name == "where":
        value = np.where(np.not_equal(vals[0], 0.0), vals[1], vals[2])
    else:
        value = {"abs": np.abs, "exp": np.exp, "log": np.log, "sqrt": np.sqrt}[name](vals[0])
    sep = f"{ws()},{ws()}"
    return f"{name}{ws()}({ws()}{sep.join(t for t, _, _ in args)}{ws()})", ATOM, value


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), simple=st.booleans())
def test_random_expressions_match_reference(data, simple):
    if simple:  # small positive values keep powers finite
        values = st.floats(0.5, 3.0).map(float)
        env = {"a": np.array(data.draw(st.lists(values, min_size=N, max_size=N))), "x": data.draw(values)}
    else:
        env = data.draw(environments())
    with np.errstate(all="ignore"):
        text, _, expected = data.draw(expressions_with_values(env, simple=simple))
    formula = parse(text)
    assert formula.names <= set(env)
    for name, start, end in formula.name_spans:
        assert text[start:end] == name
    with np.errstate(all="raise"):  # evaluate() must silence warnings itself
        result = formula.evaluate(env)
    assert np.shape(result) == np.shape(expected)
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=0, equal_nan=True)


def test_reference_generator_reaches_names_spans_exactly():
    text = "a*(b+x)  -  units"
    f = parse(text)
    assert [text[s:e] for _, s, e in f.name_spans] == ["a", "b", "x", "units"]


def _check_any(text: str) -> None:
    try:
        formula = parse(text)
    except FormulaError as err:
        assert err.length >= 1
        assert err.message
        if err.position is not None:
            assert 0 <= err.position <= len(text)
        return
    env = {name: np.linspace(-2.0, 2.0, 3) for name in formula.names}
    try:
        formula.evaluate(env)
    except FormulaError:
        pass


@settings(max_examples=500, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60))
def test_random_strings_parse_or_raise_formula_error(text):
    _check_any(text)


FORMULA_PIECES = [
    "1", "2.5", ".5", "1e3", "1_0", "a", "b", "units", "x", "max", "min", "clip", "where",
    "abs", "log", "(", ")", ",", "+", "-", "*", "/", "**", "<", "<=", "==", "!=", ">", ">=",
    " ", ".", "[", "]", "'", "=", "_", "e", "lambda", "and", "__import__", "%", "^",
]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(FORMULA_PIECES), max_size=40))
def test_random_token_soup_parses_or_raises_formula_error(pieces):
    _check_any("".join(pieces))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="()-+*1,a", min_size=1, max_size=400))
def test_random_nesting_never_raises_anything_else(text):
    assume(text.strip())
    _check_any(text * 20)


OPERANDS = st.sampled_from(["1", "2", "3", "0.5", "1.5", "a", "x"])
CHAIN_ENV = {"a": np.array([0.75, 1.25, 2.0]), "x": 1.1}


def _operand_value(text):
    return CHAIN_ENV[text] if text in CHAIN_ENV else float(text)


@settings(max_examples=200, deadline=None)
@given(
    family=st.sampled_from([("+", "-"), ("*", "/")]),
    data=st.data(),
)
def test_same_precedence_chains_group_to_the_left(family, data):
    operands = data.draw(st.lists(OPERANDS, min_size=2, max_size=8))
    ops = data.draw(st.lists(st.sampled_from(family), min_size=len(operands) - 1, max_size=len(operands) - 1))
    text = operands[0] + "".join(f" {op} {v}" for op, v in zip(ops, operands[1:]))
    functions = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide}
    expected = _operand_value(operands[0])
    for op, v in zip(ops, operands[1:]):
        expected = functions[op](expected, _operand_value(v))
    np.testing.assert_allclose(parse(text).evaluate(CHAIN_ENV), expected, rtol=1e-13)


@settings(max_examples=200, deadline=None)
@given(
    operands=st.lists(OPERANDS, min_size=2, max_size=4),
    negate=st.booleans(),
    negative_exponent=st.booleans(),
)
def test_power_chains_group_to_the_right_and_bind_tighter_than_minus(operands, negate, negative_exponent):
    # -p ** -q ** r  ==  -(p ** (-(q ** r)))
    rendered = list(operands)
    if negative_exponent:
        rendered[1] = "-" + rendered[1]
    text = ("-" if negate else "") + " ** ".join(rendered)
    with np.errstate(all="ignore"):
        tail = _operand_value(operands[-1])
        for i in range(len(operands) - 2, 0, -1):
            tail = np.power(_operand_value(operands[i]), tail)
        if negative_exponent:
            tail = np.negative(tail)
        expected = np.power(_operand_value(operands[0]), tail)
        if negate:
            expected = np.negative(expected)
    np.testing.assert_allclose(parse(text).evaluate(CHAIN_ENV), expected, rtol=1e-13)
