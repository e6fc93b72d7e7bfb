"""The SPEC parser: the Python expressions users write, parsed without executing anything.

The fuzz test builds random expressions from a grammar that mixes what a SPEC may hold with
what it must refuse (attribute access, dunder names, builtins, lambdas, comprehensions,
subscripts, unpacking, every operator) and checks, while watching with an audit hook and a
profiler, that parsing either builds a schedule or raises SpecError, and that no code outside
glideslope and the standard library runs and nothing is imported, opened or executed.
"""

from __future__ import annotations

import json
import math
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import glideslope as gs
from glideslope.spec import SpecError, constructors, load_spec, parse_spec

# -- what a SPEC builds ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("warmup('5%') >> cosine(end=0.01)", gs.warmup("5%") >> gs.cosine(end=0.01)),
        ("3e-4 * cosine(steps=1000)", 3e-4 * gs.cosine(steps=1000)),
        ("cosine(steps=1000) * 3e-4", gs.cosine(steps=1000) * 3e-4),
        ("cosine(steps=1000) / 4", gs.cosine(steps=1000) / 4),
        ("cosine(start=0.002, end=0.0001, steps=5000)", gs.cosine(start=0.002, end=0.0001, steps=5000)),
        ("linear(-1, +2, steps=10)", gs.linear(-1, 2, steps=10)),
        ("multistep(rate=0.5, milestones=[10, 20])", gs.multistep(rate=0.5, milestones=[10, 20])),
        ("multistep(rate=0.5, milestones=(10, 20))", gs.multistep(rate=0.5, milestones=(10, 20))),
        ("join([constant(1.0), linear(steps=10)], boundaries=[5])",
         gs.join([gs.constant(1.0), gs.linear(steps=10)], boundaries=[5])),
        ("repeat(warmup(10) >> cosine(steps=20), times=3)", gs.repeat(gs.warmup(10) >> gs.cosine(steps=20), times=3)),
        ("one_cycle(peak=0.01, three_phase=True, warmup=0.25)", gs.one_cycle(peak=0.01, three_phase=True, warmup=0.25)),
        ("wsd(peak=2, steps=100)", gs.wsd(peak=2, steps=100)),
        ("warmup_stable_decay(steps=100)", gs.warmup_stable_decay(steps=100)),
        ("noise(cosine(steps=10), scale=0.1, seed=3, clip=None)", gs.noise(gs.cosine(steps=10), scale=0.1, seed=3)),
        ("  cosine(\n steps=10)  ", gs.cosine(steps=10)),
        ("0.5 >> cosine(steps=10)", 0.5 >> gs.cosine(steps=10)),
        ("(warmup(10) >> constant(steps=10)) >> (linear(steps=5) >> cosine(steps=5))",
         gs.warmup(10) >> gs.constant(steps=10) >> gs.linear(steps=5) >> gs.cosine(steps=5)),
    ],
)
def test_spec_builds_the_same_schedule_as_python(text: str, expected: gs.Schedule) -> None:
    assert parse_spec(text) == expected


def test_every_public_schedule_constructor_is_allowed_and_nothing_else() -> None:
    names = constructors()
    for kind, cls in gs.schedule.REGISTRY.items():
        if not cls.__module__.startswith("glideslope.timm"):  # a dialect's own shapes are no SPEC names
            assert kind in names
    assert {"warmup_stable_decay", "wsd", "join", "sequence"} <= set(names)
    for not_a_constructor in ("load", "loads", "save", "from_config", "mean", "area", "phase_table", "jumps"):
        assert not_a_constructor not in names
        with pytest.raises(SpecError, match="unknown name"):
            parse_spec(f"{not_a_constructor}('x')")


def test_sum_and_offset() -> None:
    s = parse_spec("cosine(steps=100) + 0.5 + linear(steps=100)")
    assert s == gs.cosine(steps=100) + 0.5 + gs.linear(steps=100)
    assert s(0) == pytest.approx(2.5) and s(100) == pytest.approx(0.5)


def test_the_bound_worked_example() -> None:
    s = parse_spec("cosine(start=0.002, end=0.0001, steps=5000)")
    got = [s(t) for t in (0, 1250, 2500, 3750, 5000)]
    assert got == pytest.approx([0.002, 0.0017217514421272, 0.00105, 0.0003782485578728, 0.0001], rel=1e-12)


# -- what a SPEC refuses ---------------------------------------------------------------------

INJECTIONS = [
    ("__import__('os').system('touch /tmp/glideslope-pwned')", "attribute access"),
    ("__import__('os')", "unknown name '__import__'"),
    ("().__class__.__bases__[0].__subclasses__()", "attribute access"),
    ("cosine.__init__.__globals__", "attribute access"),
    ("cosine(steps=10).__class__", "attribute access"),
    ("lambda: 0", "a lambda"),
    ("cosine(steps=(lambda: 5)())", "a lambda"),
    ("[c for c in 'abc']", "a comprehension"),
    ("eval('1')", "unknown name 'eval'"),
    ("exec('import os')", "unknown name 'exec'"),
    ("open('/etc/passwd')", "unknown name 'open'"),
    ("getattr(cosine, '__class__')", "unknown name 'getattr'"),
    ("globals()", "unknown name 'globals'"),
    ("__builtins__", "unknown name '__builtins__'"),
    ("cosine(steps=__import__('os'))", "unknown name '__import__'"),
    ("f'{cosine}'", "an f-string"),
    ("(x := cosine(steps=1))", "assignment"),
    ("cosine(**{'steps': 1})", "**kwargs"),
    ("cosine(*[1])", "*args"),
    ("'a' * 1000000000", "not on the string"),
    ("[0] * 1000000000", "not on a list"),
    ("9 ** 9 ** 9", "operator **"),
    ("cosine(steps=10)[0]", "subscripting"),
    ("{'type': 'cosine'}", "a dict"),
    ("cosine(steps=10) if 1 else 0", "if-expression"),
    ("cosine(steps=10) % cosine(steps=10)", "operator %"),
    ("~1", "operator ~"),
    ("not 1", "operator not"),
    ("cosine", "is a constructor: call it"),
    ("b'x'", "bytes literals"),
    ("1j", "complex literals"),
    ("import os", "not a valid expression"),
    ("cosine(steps=10); 1", "not a valid expression"),
]


@pytest.mark.parametrize(("text", "fragment"), INJECTIONS)
def test_injection_and_other_python_is_refused(text: str, fragment: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert not Path("/tmp/glideslope-pwned").exists()


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("cosin(steps=5)", ["unknown name 'cosin'", "did you mean 'cosine'", "column 1"]),
        ("warmup(10) >> cosine(steps=-5)", ["in cosine(...)", "column 15", "'cosine(steps=-5)'", "steps must be at least 1 step"]),
        ("cosine(steps=10, colour=2)", ["in cosine(...)", "colour"]),
        ("cosine(steps=10) / 0", ["cannot divide a schedule by 0"]),
        ("-'a'", ["unary minus", "not the string"]),
        ("1 - 'a'", ["- works on schedules and numbers", "not on the string"]),
        ("1 >> 2", ["one side must be a schedule"]),
        ("3", ["must describe a schedule", "constant(3)"]),
        ("'cosine'", ["must describe a schedule", "string"]),
        ("", ["empty"]),
        ("cosine(", ["not a valid expression", "column"]),
        ("1e999 * cosine(steps=3)", ["too large"]),
        ("x" * 10_001, ["at most 10000"]),
        ("(" * 300 + "1" + ")" * 300, ["not a valid expression"]),
    ],
)
def test_errors_name_the_problem_and_where(text: str, fragments: list[str]) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    message = str(info.value)
    assert "\n" not in message
    for f in fragments:
        assert f in message, (f, message)


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    text = " >> ".join(["linear(steps=1)"] * 520)
    try:
        s = parse_spec(text)
    except SpecError as exc:
        assert "nested too deeply" in str(exc) or "not a valid expression" in str(exc)
    else:
        assert s.length == 520


# -- config files ----------------------------------------------------------------------------


def test_a_spec_may_be_a_json_or_yaml_config_file(tmp_path: Path) -> None:
    s = gs.warmup(100) >> gs.cosine(end=0.1, steps=900)
    j = tmp_path / "s.json"
    gs.save(s, j)
    assert load_spec(str(j)) == s
    y = tmp_path / "s.yaml"
    gs.save(s, y)
    assert load_spec(str(y)) == s
    with pytest.raises(SpecError, match="no such config file"):
        load_spec(str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"type": "nope"}))
    with pytest.raises(SpecError, match="unknown type 'nope'"):
        load_spec(str(bad))
    code = tmp_path / "code.json"
    code.write_text(json.dumps({"type": "function", "fn": {"callable": "os:system"}, "steps": None, "vectorized": False}))
    with pytest.raises(SpecError, match="would import code"):
        load_spec(str(code))


# -- fuzzing ---------------------------------------------------------------------------------

SAFE_NAMES = sorted(constructors())
DANGEROUS_NAMES = ["__import__", "eval", "exec", "open", "os", "sys", "globals", "getattr", "compile",
                   "breakpoint", "print", "input", "vars", "type", "object", "__builtins__", "exit", "help"]
ATTRIBUTES = ["system", "__class__", "__subclasses__", "__globals__", "__init__", "__dict__", "bind", "real"]
KEYWORDS = ["steps", "start", "end", "rate", "every", "peak", "warmup", "times", "factor", "value", "low", "high",
            "__class__", "fn"]
BINOPS = [">>", "*", "/", "+", "-", "**", "%", "//", "<<", "&", "|", "^", "@", "==", "<", "and", "or"]

numbers = st.one_of(
    st.integers(-5, 20_000).map(str),
    st.floats(-10, 10, allow_nan=False).map(repr),
    st.sampled_from(["1e-3", "3e-4", "0.5", "1e999", "0"]),
)
strings = st.sampled_from(["'5%'", "'10%'", "'2ep'", "'linear'", "'cosine'", "'1-sqrt'", "'os'", "'rm -rf /'",
                           "'system'", '"x"'])
names = st.one_of(st.sampled_from(SAFE_NAMES), st.sampled_from(DANGEROUS_NAMES))
atoms = st.one_of(numbers, strings, names, st.sampled_from(["True", "False", "None", "...", "1j", "b'x'"]))


@st.composite
def expressions(draw: Any, depth: int = 3) -> str:
    """A random expression: SPEC pieces mixed with Python a SPEC must refuse."""
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        return draw(atoms)
    inner = expressions(depth - 1)
    form = draw(st.integers(0, 15))
    if form <= 3:
        fn = draw(names)
        args = draw(st.lists(inner, max_size=3))
        kws = draw(st.lists(st.tuples(st.sampled_from(KEYWORDS), inner), max_size=3))
        return f"{fn}({', '.join(args + [f'{k}={v}' for k, v in kws])})"
    if form <= 5:
        return f"({draw(inner)} {draw(st.sampled_from(BINOPS))} {draw(inner)})"
    if form == 6:
        return f"{draw(st.sampled_from(['-', '+', '~', 'not ']))}{draw(inner)}"
    if form == 7:
        return f"{draw(inner)}.{draw(st.sampled_from(ATTRIBUTES))}"
    if form == 8:
        return f"{draw(inner)}[{draw(inner)}]"
    if form == 9:
        return "[" + ", ".join(draw(st.lists(inner, max_size=3))) + "]"
    if form == 10:
        return "(" + ", ".join(draw(st.lists(inner, min_size=1, max_size=3))) + ",)"
    if form == 11:
        return f"lambda: {draw(inner)}"
    if form == 12:
        return f"[x for x in {draw(inner)}]"
    if form == 13:
        return f"f'{{{draw(inner)}}}'"
    if form == 14:
        return f"{draw(names)}({draw(st.sampled_from(['*', '**']))}{draw(inner)})"
    return f"(y := {draw(inner)})"


_PACKAGE = str(Path(gs.__file__).resolve().parent)
_STDLIB = {str(Path(sysconfig.get_paths()["stdlib"]).resolve()), str(Path(sysconfig.get_paths()["platstdlib"]).resolve())}
_FORBIDDEN_EVENTS = ("exec", "import", "open", "os.", "subprocess.", "shutil.", "socket.", "ctypes.", "builtins.input",
                     "object.__getattr__", "object.__setattr__", "code.__new__", "function.__new__", "sys._getframe",
                     "pty.", "webbrowser.", "urllib.", "marshal.", "pickle.")
_FORBIDDEN_C_CALLS = {"system", "exec", "eval", "__import__", "open", "popen", "spawnv", "execv", "getattr", "setattr",
                      "globals", "locals", "vars", "breakpoint", "input", "print", "remove", "unlink", "rmtree"}


class _Watch:
    """Records forbidden activity while ``active``: audit events and calls outside the allowed code."""

    def __init__(self) -> None:
        self.active = False
        self.seen: list[str] = []

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "object.__getattr__" and type(args[0]).__name__ == "frame":
            return  # debuggers and coverage tracers (hypothesis's too) read frames
        if self.active and event.startswith(_FORBIDDEN_EVENTS):
            self.seen.append(f"audit event {event} {args!r:.100}")

    def profile(self, frame: Any, event: str, arg: Any) -> None:
        active, self.active = self.active, False  # the watch's own frame inspection is not an event
        try:
            self._profile(frame, event, arg)
        finally:
            self.active = active

    def _profile(self, frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            code = frame.f_code
            if code.co_filename == "<string>" and code.co_varnames[:1] == ("_cls",):
                return  # collections.namedtuple's generated __new__ (difflib uses one)
            filename = str(Path(frame.f_code.co_filename).resolve()) if frame.f_code.co_filename[:1] != "<" else ""
            if not filename.startswith(_PACKAGE) and not any(filename.startswith(p) for p in _STDLIB):
                self.seen.append(f"python call outside glideslope/stdlib: {frame.f_code.co_filename}:{frame.f_code.co_name}")
        elif event == "c_call" and getattr(arg, "__name__", "") in _FORBIDDEN_C_CALLS:
            self.seen.append(f"C call {getattr(arg, '__module__', '?')}.{arg.__name__}")


_WATCH = _Watch()
sys.addaudithook(_WATCH.audit)


def _parse_watched(text: str) -> object:
    _WATCH.seen.clear()
    _WATCH.active = True
    sys.setprofile(_WATCH.profile)
    try:
        return parse_spec(text)
    finally:
        sys.setprofile(None)
        _WATCH.active = False


def test_the_watch_catches_real_execution() -> None:
    """The fuzz test's watch must be able to fail: running forbidden code is reported."""
    _WATCH.seen.clear()
    _WATCH.active = True
    sys.setprofile(_WATCH.profile)
    try:
        eval("getattr(math, 'pi')", {"math": math})  # an eval and a getattr, as an injection would
    finally:
        sys.setprofile(None)
        _WATCH.active = False
    assert any("exec" in s for s in _WATCH.seen) and any("getattr" in s for s in _WATCH.seen), _WATCH.seen


@given(expressions())
def test_fuzzed_specs_build_a_schedule_or_fail_cleanly_and_never_execute_anything(text: str) -> None:
    parse_spec("cosine(steps=10)")  # warm up lazy imports inside glideslope before watching
    try:
        result = _parse_watched(text)
    except SpecError as exc:
        assert "\n" not in str(exc)
        assert str(exc)
    else:
        assert isinstance(result, gs.Schedule)
    assert not _WATCH.seen, (text, _WATCH.seen)
    assert not Path("/tmp/glideslope-pwned").exists()


@given(expressions().filter(lambda t: any(d in t for d in ("__import__", "eval", "exec", "open", ".", "lambda"))))
def test_fuzzed_specs_with_dangerous_parts_never_build_a_schedule(text: str) -> None:
    # a dangerous name or attribute anywhere is refused; '.' may also be a float's decimal point
    try:
        result = _parse_watched(text)
    except SpecError:
        return
    stripped = text
    for d in ("__import__", "eval", "exec", "open", "lambda"):
        assert d not in stripped, text
    assert isinstance(result, gs.Schedule)
    assert not any(f".{a}" in text for a in ATTRIBUTES), text
    assert math.isfinite(len(repr(result)))
