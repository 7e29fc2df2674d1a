"""Validation cannot be surprised (property tests, Hypothesis).

Arbitrary YAML-able trees, mutations of the example configs, ``--set``
strings and sweep specs give either a valid config or a :class:`ConfigError`
whose text is one line: never another exception, and through the command
line exit status 2, one line on stderr and nothing written. A valid config
also re-validates from its resolved form to the same resolved form.

Bounded for CI: a few hundred examples in all, no deadline. For a longer
hunt, scale every example count: ``KETASIM_PROPERTY_SCALE=20 pytest tests/test_validation_properties.py``.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import io
import os
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ketasim.cli import main
from ketasim.config import ConfigError, ScenarioConfig, load_scenario, validate_scenario
from ketasim.protocols import fear_events, plasticity_events, stress_events
from ketasim.protocols.events import EVENT_MODELS
from ketasim.sweep.spec import SweepSpec, load_sweep, parse_sweep

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))
SWEEP_ROOT = ROOT / "configs" / "sweeps"
EXAMPLES = {path.name: yaml.safe_load(path.read_text(encoding="utf-8")) for path in CONFIGS}
PARSERS = {
    "conditioning": fear_events.parse_conditioning, "test": fear_events.parse_test,
    "extinction": fear_events.parse_extinction, "reactivation": fear_events.parse_reactivation,
    "slice": plasticity_events.parse_slice, "lhb_recording": plasticity_events.parse_lhb_recording,
    "stress": stress_events.parse_stress, "forced_swim": stress_events.parse_forced_swim,
}
BASE = {"species": "mouse", "seed": 0, "dosing": [{"drug": "ketamine", "dose": "10 mg/kg", "route": "ip", "at": "0 h"}]}


SCALE = max(1, int(os.environ.get("KETASIM_PROPERTY_SCALE", "1")))


def _settings(n: int):
    return settings(max_examples=n * SCALE, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


# ------------------------------------------------------------------ strategies
def _model_keys() -> list[str]:
    from ketasim.config import CircuitSettings, DoseConfig, FearSettings, Mechanisms, Subject

    keys = set()
    for model in (ScenarioConfig, DoseConfig, Mechanisms, Subject, CircuitSettings, FearSettings,
                  *EVENT_MODELS.values()):
        keys |= set(model.model_fields)
    return sorted(keys | {"base", "grid", "points", "sample", "method", "n", "bounds", "model", "description"})


KEYS = _model_keys()
WORDS = sorted({*EVENT_MODELS, "ketamine", "saline", "midazolam", "anisomycin", "rapamycin", "ip", "iv", "iv_infusion",
                "sc", "bath", "oral", "mouse", "rat", "human", "val/val", "val/met", "met/met", "healthy",
                "chronic_ptsd", "A", "B", "plus", "minus", "context", "hfs", "tbs", "lfs", "pairing", "none",
                "acute", "chronic", "lhs", "sobol", "halton", "scenario"})
UNITS = ["h", "min", "s", "ms", "d", "mg/kg", "uM", "µM", "nM", "mM", "Hz", "kHz", "kg", "mg", "%", "m", "",
         "degC", "1/h", "h**2", "mg/kg/h", "week", "year"]

numbers = st.one_of(
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 0.5, 1e-12, 1e308, -0.0, 2**31, 2**63, 10**30, 10**400]),
)
unit_strings = st.builds(lambda n, u, sp: f"{n}{sp}{u}", numbers, st.sampled_from(UNITS), st.sampled_from([" ", "", "  "]))
texts = st.text(max_size=12)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts, unit_strings, st.sampled_from(WORDS),
                    st.dates(), st.datetimes())
keys = st.one_of(st.sampled_from(KEYS), texts, st.integers(-3, 3), st.none(), st.booleans())
trees = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(keys, inner, max_size=5)),
                     max_leaves=25)


def _slots(node, out=None):
    """Every (container, key) pair of a tree, depth first."""
    out = [] if out is None else out
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in list(items):
        out.append((node, key))
        _slots(value, out)
    return out


def _retype(value, draw):
    if isinstance(value, str):
        return draw(st.sampled_from([0, 1.5, True, None, [value], {value: value}]))
    if isinstance(value, bool | int | float):
        return draw(st.sampled_from([str(value), f"{value} h", None, [value], {"x": value}, not value]))
    if isinstance(value, list):
        return draw(st.sampled_from([{str(i): v for i, v in enumerate(value)}, None, "list", len(value)]))
    if isinstance(value, dict):
        return draw(st.sampled_from([list(value.values()), list(value), None, "mapping", 0]))
    return draw(scalars)


@st.composite
def mutated_configs(draw):
    """An example config with 1-3 mutations: drop a key, change a type, add an unknown key, bad unit, any tree."""
    data = copy.deepcopy(EXAMPLES[draw(st.sampled_from(sorted(EXAMPLES)))])
    for _ in range(draw(st.integers(1, 3))):
        slots = _slots(data)
        if not slots:
            break
        parent, key = draw(st.sampled_from(slots))
        value = parent[key]
        op = draw(st.sampled_from(["drop", "retype", "unknown", "unit", "tree", "number"]))
        if op == "drop":
            del parent[key]
        elif op == "retype":
            parent[key] = _retype(value, draw)
        elif op == "unknown":
            target = value if isinstance(value, dict) else parent if isinstance(parent, dict) else None
            if target is not None:
                target[draw(keys)] = draw(scalars)
        elif op == "unit":
            number = value.split(" ")[0] if isinstance(value, str) else draw(numbers)
            parent[key] = f"{number} {draw(st.sampled_from(UNITS))}"
        elif op == "number":
            unit = value.split(" ", 1)[-1] if isinstance(value, str) and " " in value else ""
            parent[key] = f"{draw(numbers)} {unit}".strip()
        else:
            parent[key] = draw(trees)
    return data


def _dotted(draw) -> str:
    parts = draw(st.lists(st.one_of(st.sampled_from(KEYS), st.integers(0, 6).map(str), texts,
                                    st.sampled_from(["0", "1", "00", "-1", "²", "٣", "1" * 5000])),
                          min_size=1, max_size=4))
    return ".".join(parts)


@st.composite
def set_strings(draw):
    """``--set`` arguments: known and unknown dotted keys, values of every kind, or any text."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.text(max_size=30))
    if draw(st.booleans()):
        key = draw(st.sampled_from(["seed", "species", "duration", "dosing.0.dose", "dosing.0.at", "dosing.0.route",
                                    "dosing.1", "dosing.0.repeat", "mechanisms.mtor", "protocol.0.at",
                                    "protocol.0.event", "protocol.0.trials", "protocol.1", "protocol.0.cues",
                                    "circuit.n_exc", "fear.cs_overlap", "subject.condition", "dosing.0",
                                    "protocol.0.duration", "protocol.0.paired_pulse_intervals", "protocol"]))
    else:
        key = _dotted(draw)
    value = draw(st.one_of(
        texts, unit_strings, numbers.map(str), st.sampled_from(WORDS),
        trees.map(lambda t: yaml.safe_dump(t, default_flow_style=True, width=10**6).strip()),
        st.sampled_from(["[", "{a: [", "&a [*a]", "!!python/object:os.system", "'unterminated", "0b" + "1" * 20000,
                         "9" * 5000, "1:2:3:4", "2020-01-01", ".nan", "-.inf", "~", "[" * 2000, "10**400 h",
                         "9**9**9 h", "1e400 h", "0x10", "null"]),
    ))
    return f"{key}={value}" if draw(st.integers(0, 9)) else f"{key}{value}"


axis_keys = st.one_of(
    st.sampled_from(["seed", "dosing.0.dose", "dosing.0.at", "mechanisms.mtor", "protocol.0.at", "species",
                     "duration", "dosing.1.dose", "colour", "base", "dosing.0", "a..b", "seed=1", "circuit.n_exc"]),
    texts, st.integers(0, 2), st.none())
small_ints = st.integers(-2, 12)


@st.composite
def sweeps(draw):
    """Sweep specs: the documented keys with values of the right shape, the wrong shape, or anything."""
    data = {}
    parts = {
        "base": st.one_of(st.just(BASE), st.sampled_from(["../default.yaml", "missing.yaml", "../slice_ltp.yaml",
                                                          "a\x00b", "/", "x" * 5000, ""]),
                          mutated_configs(), trees),
        "grid": st.one_of(st.dictionaries(axis_keys, st.lists(st.one_of(scalars, unit_strings), max_size=3),
                                          max_size=2), trees),
        "points": st.one_of(st.lists(st.dictionaries(axis_keys, st.one_of(scalars, trees), max_size=2), max_size=3),
                            trees),
        "sample": st.one_of(
            st.fixed_dictionaries({}, optional={
                "method": st.one_of(st.sampled_from(["lhs", "sobol", "halton", "grid"]), scalars),
                "n": st.one_of(small_ints, st.sampled_from([None, 2.0, True, "4", 10**400])),
                "seed": st.one_of(small_ints, scalars),
                "bounds": st.one_of(st.dictionaries(axis_keys, st.lists(st.one_of(numbers, unit_strings, scalars),
                                                                         max_size=3), max_size=2), trees),
            }),
            trees.filter(lambda t: not isinstance(t, dict))),
        "model": st.one_of(st.just("scenario"), scalars),
        "description": st.one_of(texts, scalars),
    }
    for key, strategy in parts.items():
        if draw(st.integers(0, 3)):
            data[key] = draw(strategy)
    if draw(st.integers(0, 5)) == 0:
        data[draw(keys)] = draw(scalars)
    return data


# ------------------------------------------------------------------ checks
def _one_line(exc: ConfigError) -> str:
    text = str(exc)
    assert text and len(text.splitlines()) == 1 and "\n" not in text and "\r" not in text, repr(text)
    return text


def _valid_or_one_line(call):
    """``call()`` gives a ScenarioConfig (whose resolved form re-validates to itself) or a one-line ConfigError."""
    try:
        config = call()
    except ConfigError as exc:
        _one_line(exc)
        return None
    assert isinstance(config, ScenarioConfig)
    resolved = config.resolved()
    assert validate_scenario(resolved, "<resolved>").resolved() == resolved
    return config


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def _failed_cleanly(code: int, err: str) -> None:
    assert code == 2, (code, err)
    assert err.count("\n") == 1 and err.endswith("\n") and "Traceback" not in err, err
    assert len(err.splitlines()) == 1, err


# ------------------------------------------------------------------ (a) trees and mutations
@_settings(120)
@given(trees)
def test_any_tree_validates_or_fails_in_one_line(data):
    _valid_or_one_line(lambda: validate_scenario(data, "tree.yaml"))


@_settings(40)
@given(st.dictionaries(st.sampled_from(["species", "seed", "duration", "subject", "dosing", "mechanisms", "protocol",
                                        "circuit", "fear"]), trees, max_size=4))
def test_any_tree_under_the_scenario_keys_validates_or_fails_in_one_line(data):
    _valid_or_one_line(lambda: validate_scenario(data, "tree.yaml"))


@_settings(150)
@given(mutated_configs())
def test_mutated_example_configs_validate_or_fail_in_one_line(data):
    _valid_or_one_line(lambda: validate_scenario(data, "mutated.yaml"))


@_settings(60)
@given(st.lists(st.fixed_dictionaries({"event": st.one_of(st.sampled_from(sorted(EVENT_MODELS)), scalars),
                                       "at": st.one_of(unit_strings, scalars)},
                                      optional={k: st.one_of(scalars, unit_strings, trees)
                                                for m in EVENT_MODELS.values() for k in m.own_fields()}),
                max_size=3))
def test_any_protocol_validates_or_fails_in_one_line(events):
    config = _valid_or_one_line(lambda: validate_scenario({"protocol": events}, "protocol.yaml"))
    if config is not None:
        for event in config.protocol:
            event.settings()  # the stages' view of the event never fails on a valid config
            assert event.end_h() >= event.at
            assert type(event).model_validate(event.model_dump()).settings() == event.settings()
            # The stages' old spelling still reads the same settings.
            assert PARSERS[event.event](event.fields()) == event.settings()
            assert PARSERS[event.event](event) == event.settings()


def test_the_example_configs_round_trip_through_their_resolved_form():
    for path in CONFIGS:
        assert _valid_or_one_line(lambda p=path: load_scenario(p)) is not None, path


# ------------------------------------------------------------------ (b) --set strings
@_settings(120)
@given(st.sampled_from(CONFIGS), st.lists(set_strings(), min_size=1, max_size=3))
def test_any_set_string_validates_or_fails_in_one_line(path, assignments):
    _valid_or_one_line(lambda: load_scenario(path, assignments))


# ------------------------------------------------------------------ (c) sweeps
def _sweep_or_one_line(call):
    try:
        spec = call()
    except ConfigError as exc:
        _one_line(exc)
        return None
    assert isinstance(spec, SweepSpec) and spec.points
    for point in spec.points:
        resolved = point.config.resolved()
        assert validate_scenario(resolved).resolved() == resolved
    return spec


@_settings(120)
@given(sweeps())
def test_any_sweep_spec_parses_or_fails_in_one_line(data):
    _sweep_or_one_line(lambda: parse_sweep(data, "sweep.yaml", root=SWEEP_ROOT))


@_settings(40)
@given(sweeps())
def test_any_sweep_file_loads_or_fails_in_one_line(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sweep.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        (Path(tmp) / "default.yaml").write_text(yaml.safe_dump(BASE), encoding="utf-8")
        _sweep_or_one_line(lambda: load_sweep(path))


# ------------------------------------------------------------------ (d) the command line
def _yaml_texts():
    dumped = st.one_of(trees, mutated_configs()).map(
        lambda t: yaml.safe_dump(t, allow_unicode=True, default_flow_style=None))

    @st.composite
    def damaged(draw):
        text = draw(dumped)
        for _ in range(draw(st.integers(0, 3))):
            i = draw(st.integers(0, len(text)))
            text = text[:i] + draw(st.sampled_from(["[", "]", "{", ":", "- ", "\n", "\t", "&a ", "*a", "!!set ",
                                                     "!!binary ", "'", '"', "? ", "%", "\\x00", "\ufeff"])) + text[i:]
        return text

    return st.one_of(damaged(), st.text(max_size=40),
                     st.sampled_from(["a: &x [*x]\n", "dosing: &d [*d]\n", "[" * 3000, "- " * 500 + "x\n",
                                      "seed: 0b" + "1" * 20000 + "\n", "seed: " + "9" * 5000 + "\n",
                                      "species: !!python/name:os.system\n", "seed: 1:2:3\n", "\x00\x01",
                                      "seed: 2020-01-01\n", "? [a, b]\n: 1\n", "seed: !!timestamp 1977-*a12\n",
                                      "seed: 2020-13-45\n"]))


@_settings(40)
@given(_yaml_texts())
def test_validate_any_file_exits_0_or_2_with_one_line(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        code, out, err = _cli("validate", path)
        if code == 0:
            assert err == "" and out.count("\n") == 1 and "valid" in out
        else:
            _failed_cleanly(code, err)
        assert sorted(p.name for p in Path(tmp).iterdir()) == ["config.yaml"]


@_settings(40)
@given(st.sampled_from(CONFIGS), st.lists(set_strings(), min_size=1, max_size=2))
def test_validate_with_any_set_exits_0_or_2_with_one_line(path, assignments):
    code, out, err = _cli("validate", path, *(f"--set={a}" for a in assignments))
    if code == 0:
        assert err == "" and out.count("\n") == 1
    else:
        _failed_cleanly(code, err)


@_settings(25)
@given(st.sampled_from(CONFIGS), st.lists(set_strings(), min_size=1, max_size=2))
def test_run_with_a_bad_set_exits_2_and_writes_nothing(path, assignments):
    try:
        load_scenario(path, assignments)
    except ConfigError:
        pass
    else:
        assume(False)  # a valid --set would run the simulation
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        code, stdout, err = _cli("run", path, *(f"--set={a}" for a in assignments), "--out", out, "--quick")
        _failed_cleanly(code, err)
        assert stdout == "" and not out.exists()
        assert list(Path(tmp).iterdir()) == []


@_settings(15)
@given(sweeps())
def test_sweep_with_a_bad_spec_exits_2_and_writes_nothing(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sweep.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        try:
            load_sweep(path)
        except ConfigError:
            pass
        else:
            assume(False)  # a valid sweep would run
        out = Path(tmp) / "out"
        code, _, err = _cli("sweep", path, "--out", out, "--no-progress")
        _failed_cleanly(code, err)
        assert not out.exists()


# ------------------------------------------------------------------ pinned cases Hypothesis found
@pytest.mark.parametrize("text", [
    "seed: 0b" + "1" * 20000 + "\n",  # an int too long to print
    "seed: " + "9" * 5000 + "\n",      # an int too long to read
    "[" * 3000 + "\n",                 # nesting deeper than the parser's stack
    "seed: !!timestamp 1977-*a12\n",   # PyYAML raises AttributeError
    "seed: 2020-13-45\n",              # and ValueError
])
def test_pathological_yaml_fails_in_one_line(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    _one_line(info.value)


@pytest.mark.parametrize("text", [
    "a: &x [*x]\n",                                             # a list that holds itself
    "l0: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(         # "billion laughs": 9**9 leaves from 10 lines
        f"l{i}: &{chr(97 + i)} [*{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, "
        f"*{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}]\n" for i in range(1, 9)
    ) + "seed: *i\n",
])
def test_aliased_yaml_fails_in_one_line_without_expanding(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    _one_line(info.value)
    sweep = tmp_path / "s.yaml"
    sweep.write_text("base: {seed: 0}\npoints: [{seed: 1}]\n" + text.replace("seed:", "x:"))
    with pytest.raises(ConfigError):
        load_sweep(sweep)


@pytest.mark.parametrize(("assignment", "key"), [
    ("dosing.0.at=9**9**9 h", "dosing.0.at"),    # pint would evaluate 9**(9**9) exactly
    ("dosing.0.at=10**400 h", "dosing.0.at"),    # an int too large for a float
    ("dosing.²=1", "dosing.²"),                  # a digit that int() does not read
    ("seed\nx=1", "seed\\nx"),                   # a line break in a key
    ("seed=0b" + "1" * 20000, "seed"),          # an int too long to print
])
def test_pathological_sets_fail_in_one_line(assignment, key):
    with pytest.raises(ConfigError) as info:
        load_scenario(ROOT / "configs" / "default.yaml", [assignment])
    assert key in _one_line(info.value)


@pytest.mark.parametrize(("data", "key"), [
    ({"base": "a\x00b", "grid": {"seed": [1]}}, ""),   # a NUL in a file name: ValueError from open()
    ({"base": BASE, "sample": {"method": "sobol", "n": 2,  # more dimensions than a Sobol engine has
                               "bounds": {f"dosing.{i}.dose": [0, 1] for i in range(22000)}}}, "sample.bounds"),
])
def test_pathological_sweeps_fail_in_one_line(data, key):
    with pytest.raises(ConfigError) as info:
        parse_sweep(data, "s.yaml", root=SWEEP_ROOT)
    _one_line(info.value)
    assert info.value.key == key


def test_dates_and_sets_from_yaml_fail_in_one_line():
    for data in ({"seed": datetime.date(2020, 1, 1)}, {"dosing": [{"drug": "ketamine", "route": "ip", "dose": {1, 2}}]}):
        with pytest.raises(ConfigError) as info:
            validate_scenario(data)
        _one_line(info.value)


def test_parsers_still_take_an_events_fields_and_name_the_bad_one():
    from ketasim.protocols.fields import EventFieldError

    assert plasticity_events.parse_slice({"baseline": "10 min"}).baseline_min == 10.0
    assert stress_events.parse_stress({"kind": "chronic"}).sessions == 21
    for parse, fields, field in [(plasticity_events.parse_slice, {"colour": 1}, "colour"),
                                 (fear_events.parse_test, {"cues": ["tone"]}, "cues"),
                                 (stress_events.parse_stress, {"kind": "chronic", "every": "1 h"}, "duration"),
                                 (stress_events.parse_forced_swim, {"at": "1 h"}, "at")]:
        with pytest.raises(EventFieldError) as info:
            parse(fields)
        assert info.value.field == field and "\n" not in info.value.message


@pytest.mark.parametrize("event", sorted(EVENT_MODELS))
def test_every_event_with_its_defaults_round_trips_through_model_dump(event):
    # Found by the property test above on a fresh Hypothesis database: a test event's default
    # cues come back from model_dump() as a tuple, which validation used to refuse.
    required = {"slice": {}, "lhb_recording": {}}
    config = validate_scenario({"protocol": [{"event": event, "at": "0 h", **required.get(event, {})}]})
    (parsed,) = config.protocol
    assert type(parsed).model_validate(parsed.model_dump()).settings() == parsed.settings()
