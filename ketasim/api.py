"""The Python front door: simulate a scenario, run a sweep, find a dose window, reproduce the review.

Everything here is also reachable from the package itself
(``ketasim.simulate``, ``ketasim.sweep``, ...). The functions take what the
command line takes (a config file, an example's name) and also plain Python
data, and return labelled results: time series as an :class:`xarray.Dataset`
with units as attributes, sweeps as the ``results.nc`` dataset.

Examples
--------
>>> import ketasim
>>> result = ketasim.simulate("default", quick=True, overrides={"dosing.0.dose": "30 mg/kg"})
>>> result.timeseries["plasma_ketamine_uM"].attrs["units"]
'uM'
>>> result.metrics["pyr_rate_hz"]  # doctest: +SKIP
6.8

Bad input raises :class:`~ketasim.config.ConfigError`, a ``ValueError``
whose message names the key and what is allowed (the command line prints
the same message and exits with status 2).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import xarray as xr
import yaml

from ketasim.analysis.window import EFFECT_FIELDS
from ketasim.bundled import KINDS, Example, config_path, example_data, list_examples
from ketasim.config import ConfigError, ScenarioConfig, read_yaml, scenario_from_data
from ketasim.scenario import ScenarioResult
from ketasim.scenario import simulate_many as simulate_scenarios
from ketasim.settings import default_output_dir

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ketasim.parameters import ParameterSet
    from ketasim.pipeline.products import Product
    from ketasim.sweep.spec import SweepSpec

__all__ = [
    "Reproduction",
    "SimulationResult",
    "WindowResult",
    "example",
    "examples",
    "reproduce",
    "scenario_config",
    "sensitivity",
    "simulate",
    "simulate_many",
    "sweep",
    "window",
]



# --------------------------------------------------------------------------- examples


def examples(kind: Literal["scenario", "sweep"] | None = None) -> list[Example]:
    """The example configs shipped with ketasim.

    Parameters
    ----------
    kind : {"scenario", "sweep"}, optional
        Only scenarios (for :func:`simulate`) or only sweeps (for :func:`sweep`).

    Returns
    -------
    list of Example
        Each with ``name``, ``kind``, ``path`` and a one-line ``summary``.
    """
    if kind is not None and kind not in KINDS:
        raise ConfigError("kind", str(kind), f"allowed: {', '.join(KINDS)}")
    return [e for e in list_examples() if kind is None or e.kind == kind]


def example(name: str) -> dict[str, Any]:
    """An example config as plain data, to run as it is or to edit first.

    Parameters
    ----------
    name : str
        The example's name, e.g. ``"default"``, ``"fear_generalisation"`` or
        the sweep ``"pfc_dose"`` (see :func:`examples`).

    Returns
    -------
    dict
        A new copy each call: a scenario for :func:`simulate` or a sweep for
        :func:`sweep`.

    Raises
    ------
    ConfigError
        If there is no such example (the message lists the names).
    """
    return example_data(name)


# --------------------------------------------------------------------------- one scenario


def _jsonable(value: Any) -> Any:
    """numpy numbers and arrays (e.g. from ``np.arange``) as plain Python values."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a config value")


def _assignment(key: str, value: Any, what: str) -> str:
    # JSON is YAML: a string stays a string ("30 mg/kg"), numbers and lists keep their type.
    try:
        return f"{key}={json.dumps(value, default=_jsonable)}"
    except (TypeError, ValueError) as exc:
        raise ConfigError(what, key, f"cannot use {value!r} as a config value ({exc}); give a number, "
                                     "a string such as '30 mg/kg', or a list of them") from None


def _assignments(overrides: Mapping[str, Any] | Sequence[str] | None) -> list[str]:
    """Overrides as ``KEY=VALUE`` assignments (the form ``--set`` takes)."""
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return [_assignment(str(key), value, "overrides") for key, value in overrides.items()]
    if isinstance(overrides, str):
        raise ConfigError("overrides", overrides, "expected a mapping {key: value} or a list of 'KEY=VALUE' strings")
    return [str(item) for item in overrides]


def _scenario_data(config: Any) -> tuple[Any, str]:
    """Config data and a label for error messages, from any accepted form."""
    if isinstance(config, ScenarioConfig):
        return config.as_data(), "<config>"
    if isinstance(config, Mapping):
        return copy.deepcopy(dict(config)), "<config>"
    if isinstance(config, str | Path):
        path = config_path(config, "scenario")
        return read_yaml(path), str(config)
    raise ConfigError("config", type(config).__name__,
                      "expected a YAML path, an example name, a mapping or a ScenarioConfig")


def scenario_config(
    config: str | Path | Mapping[str, Any] | ScenarioConfig,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> ScenarioConfig:
    """Validate a scenario given in any form :func:`simulate` accepts, with its overrides applied.

    Raises
    ------
    ConfigError
        Naming the key (or the override) at fault and what is allowed.
    """
    data, source = _scenario_data(config)
    assignments = _assignments(overrides)
    if parameters:
        if not isinstance(parameters, Mapping):
            raise ConfigError("parameters", type(parameters).__name__,
                              "expected a mapping {name: value}, e.g. {'signalling.spines.tau': '5 d'}")
        assignments += [_assignment(f"parameters.{name}", value, "parameters") for name, value in parameters.items()]
    if not assignments and isinstance(config, ScenarioConfig):
        return config
    return scenario_from_data(data, source, assignments, blame="override")


def _timeseries_dataset(result: ScenarioResult) -> xr.Dataset:
    units = result.units
    time = np.asarray(result.timeseries["time_h"], dtype=float)
    variables = {name: xr.Variable("time_h", np.asarray(values), {"units": units[name]})
                 for name, values in result.timeseries.items() if name != "time_h"}
    return xr.Dataset(
        variables,
        coords={"time_h": xr.Variable("time_h", time, {"units": "h", "long_name": "time since the scenario's start"})},
        attrs={"species": result.config.species, "seed": result.config.seed,
               "config": yaml.safe_dump(result.config.resolved(), sort_keys=False)},
    )


@dataclass
class SimulationResult:
    """What :func:`simulate` returns: one scenario's labelled results.

    Attributes
    ----------
    timeseries : xarray.Dataset
        One variable per simulated state over ``time_h`` (hours); each
        variable's ``units`` attribute gives its unit (``"1"``: dimensionless).
    metrics : dict of str to float
        The scenario's scalar results (the ``metrics.json`` of ``ketasim run``);
        each name ends in its unit where it has one (``pyr_rate_hz``,
        ``plasma_cmax_uM``, ``tmax_min``), others are fractions or ratios to
        the drug-free state (``docs/design.md``, Outputs).
    config : ScenarioConfig
        The validated config, overrides applied.
    """

    scenario: ScenarioResult = field(repr=False)
    timeseries: xr.Dataset = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.timeseries = _timeseries_dataset(self.scenario)

    @property
    def metrics(self) -> dict[str, float]:
        """The scenario's scalar results, by name (a name ends in its unit where it has one)."""
        return self.scenario.metrics

    @property
    def config(self) -> ScenarioConfig:
        """The validated config the scenario ran with."""
        return self.scenario.config

    @property
    def parameters(self) -> ParameterSet:
        """The model parameters it ran with (defaults and the config's overrides)."""
        return self.scenario.parameters

    @property
    def products(self) -> dict[str, Product]:
        """Every pipeline stage's typed product, by stage name (see ``docs/architecture.md``)."""
        return self.scenario.products

    @property
    def figure_names(self) -> list[str]:
        """The figures :meth:`plot` can draw: ``"scenario"`` and the stages' own (e.g. ``"fear_conditioning"``)."""
        return ["scenario", *(Path(name).stem for name in self.scenario.figures)]

    def plot(self, which: str = "scenario") -> Figure:
        """Draw one of the scenario's figures.

        Parameters
        ----------
        which : str
            ``"scenario"`` (concentrations, NMDAR block, PFC rates) or a stage's
            figure from :attr:`figure_names`.

        Returns
        -------
        matplotlib.figure.Figure
        """
        if which == "scenario":
            from ketasim.plotting import scenario_figure

            return scenario_figure(self.scenario)
        for name, make in self.scenario.figures.items():
            if Path(name).stem == which:
                return make()
        raise ConfigError("which", which, f"no such figure; allowed: {', '.join(self.figure_names)}")

    def save(self, directory: str | Path, figure: bool = True) -> list[Path]:
        """Write ``metrics.json``, ``timeseries.csv``, ``config.resolved.yaml`` and the figures.

        The same files as ``ketasim run``; returns their paths.
        """
        from ketasim.outputs import write_outputs

        return write_outputs(self.scenario, directory, figure=figure)

    def __repr__(self) -> str:
        c = self.config
        doses = ", ".join(f"{d.drug} {d.dose if d.dose is not None else d.concentration:g}"
                          f"{' mg/kg' if d.dose is not None else ' uM'} {d.route}" for d in c.dosing) or "no drug"
        return (f"SimulationResult({c.species}, seed {c.seed}, {doses}; {self.timeseries.sizes['time_h']} time "
                f"points x {len(self.timeseries.data_vars)} series, {len(self.metrics)} metrics)")


def simulate(
    config: str | Path | Mapping[str, Any] | ScenarioConfig,
    *,
    quick: bool = False,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> SimulationResult:
    """Simulate one scenario.

    Parameters
    ----------
    config : path, str, mapping or ScenarioConfig
        A scenario YAML file, the name of an example (:func:`examples`), config
        data (as in a YAML file; e.g. from :func:`example`) or a validated config.
    quick : bool
        The quick profile: small, short circuit runs (previews, tests).
    overrides : mapping or sequence of str, optional
        Config keys to change, dotted with list items by index:
        ``{"dosing.0.dose": "30 mg/kg", "mechanisms.glun2d": 0}``, or the
        same as ``--set`` strings: ``["dosing.0.dose=30 mg/kg"]``.
    parameters : mapping, optional
        Model parameters to change for this scenario, by name, with units:
        ``{"signalling.spines.tau": "5 d"}`` (names, units and allowed
        ranges: ``ketasim parameters``).
    progress : callable, optional
        Called with a short message as each stage starts.

    Returns
    -------
    SimulationResult

    Raises
    ------
    ConfigError
        On bad input, naming the key and what is allowed; nothing is run.
    """
    (result,) = simulate_many([config], quick=quick, overrides=overrides, parameters=parameters, progress=progress)
    return result


def simulate_many(
    configs: Sequence[str | Path | Mapping[str, Any] | ScenarioConfig],
    *,
    quick: bool = False,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[SimulationResult]:
    """Simulate several scenarios in this process, their circuit runs batched (faster than a loop).

    Each result equals :func:`simulate`'s for the same config; ``overrides``
    and ``parameters`` apply to every one. For many scenarios, several
    processes or a cluster, and a store that survives a crash, use
    :func:`sweep`.

    Returns
    -------
    list of SimulationResult
        In the order of ``configs``.

    Raises
    ------
    ConfigError
        On bad input (every config is validated before anything runs).
    """
    validated = [scenario_config(c, overrides, parameters) for c in configs]
    return [SimulationResult(r) for r in simulate_scenarios(validated, quick, progress)]


# --------------------------------------------------------------------------- sweeps


def _sweep_spec(spec: Any) -> tuple[SweepSpec, str]:
    """A validated sweep and the name its default directory takes (a digest of its points for data)."""
    from ketasim.sweep import SweepSpec, load_sweep, parse_sweep

    if isinstance(spec, str | Path):
        path = config_path(spec, "sweep", key="spec")
        return load_sweep(path), path.stem
    if isinstance(spec, Mapping):
        spec = parse_sweep(copy.deepcopy(dict(spec)), source="<sweep>", root=Path.cwd())
    if not isinstance(spec, SweepSpec):
        raise ConfigError("spec", type(spec).__name__,
                          "expected a YAML path, an example name, a mapping or a SweepSpec")
    digest = hashlib.sha256(" ".join(p.hash for p in spec.points).encode()).hexdigest()
    return spec, f"sweep-{digest[:10]}"


@contextmanager
def _keyword_errors(renamed: Mapping[str, str] | None = None) -> Iterator[None]:
    """Errors that name a command-line option (``--alpha``) name the keyword argument (``alpha``) instead."""
    try:
        yield
    except ConfigError as exc:
        if not exc.source.startswith("--"):
            raise
        keyword = (renamed or {}).get(exc.source, exc.source[2:].replace("-", "_"))
        raise ConfigError(keyword, exc.key, exc.message) from None


def sweep(
    spec: str | Path | Mapping[str, Any] | SweepSpec,
    out: str | Path | None = None,
    *,
    quick: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    retry_failed: bool = False,
    allow_code_change: bool = False,
    progress: bool = False,
) -> xr.Dataset:
    """Run (or resume) a sweep and return its results.

    Parameters
    ----------
    spec : path, str, mapping or SweepSpec
        A sweep YAML file, the name of a sweep example (``"pfc_dose"``), or
        sweep data: ``{"base": {...scenario...}, "grid": {"dosing.0.dose":
        ["0 mg/kg", "10 mg/kg"], "seed": [0, 1, 2]}}`` (see ``docs/sweeps.md``).
    out : path, optional
        The sweep directory (its resumable store and exports). Default
        ``ketasim-out/sweeps/<file or example name>``, or for sweep data
        ``ketasim-out/sweeps/sweep-<digest of its points>``, with ``-quick``
        appended in the quick profile. Rerunning the same sweep into the same
        directory resumes it.
    quick : bool
        The quick profile for every point.
    workers : int, optional
        Local worker processes (default: the core count; 1 runs in this process).
    scheduler : str, optional
        Address of a Dask scheduler, e.g. ``"tcp://10.0.0.1:8786"``.
    retry_failed : bool
        Rerun the points recorded as failed.
    allow_code_change : bool
        Continue a store written by other ketasim source code.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    xarray.Dataset
        The contents of ``results.nc``: one variable per metric over the
        sweep's axes (units as attributes), with ``status`` and ``error``
        per point; ``attrs["sweep_dir"]`` is the directory. A warning says
        how many points failed, if any did.
    """
    from ketasim.sweep import run_sweep

    validated, name = _sweep_spec(spec)
    directory = Path(out) if out is not None else default_output_dir("sweep", name, quick)
    with _keyword_errors():
        summary = run_sweep(validated, directory, workers=workers, scheduler=scheduler, quick=quick,
                            retry_failed=retry_failed, progress=progress, allow_code_change=allow_code_change)
    if summary.failed:
        warnings.warn(f"{summary.failed} of {summary.total} sweep points failed; their errors are in "
                      f"{directory / 'results.csv'} (rerun with retry_failed=True)", RuntimeWarning, stacklevel=2)
    dataset = xr.load_dataset(directory / "results.nc")
    dataset.attrs["sweep_dir"] = str(directory)
    return dataset


@dataclass
class WindowResult:
    """What :func:`window` returns: effects against the control at every point of the sweep.

    Attributes
    ----------
    report : dict
        What ``window.json`` holds: the test, its settings, and each point's
        means, effect, confidence interval, p and q (NaN here where the file
        has ``null``).
    out : Path
        The directory holding ``window.json``, ``window.md`` and ``window.png``.
    """

    report: dict[str, Any]
    out: Path

    @property
    def effects(self) -> xr.Dataset:
        """Per point (over the sweep's axes but the replicates): means, effect, CI, p, q, significant."""
        import pandas as pd

        points = self.report["points"]
        axes = [k for k in points[0] if k not in EFFECT_FIELDS] if points else []
        table = pd.DataFrame(points).set_index(axes) if axes else pd.DataFrame(points)
        dataset = table.to_xarray()
        for axis in axes:
            dataset[axis].attrs["units"] = self.report["units"].get(axis, "")
        dataset.attrs.update(metric=self.report["metric"], direction=self.report["direction"],
                             alpha=self.report["alpha"], control=json.dumps(self.report["control"]))
        return dataset

    @property
    def window(self) -> list[dict[str, Any]]:
        """The points where the effect is significant (their coordinates)."""
        return self.report["window"]

    @property
    def figure(self) -> Path:
        """``window.png``: the effect over the first two axes, significant points marked."""
        return self.out / "window.png"

    def __repr__(self) -> str:
        r = self.report
        return (f"WindowResult({r['metric']}: {r['n_significant']} of {r['n_points']} points significant, "
                f"direction {r['direction']}, BH alpha {r['alpha']:g}; {self.out})")


def window(
    sweep: str | Path | xr.Dataset,
    *,
    metric: str,
    control: str | Mapping[str, Any],
    alpha: float = 0.05,
    direction: Literal["lower", "higher", "either"] = "either",
    replicates: str = "seed",
    axes: Sequence[str] | None = None,
    resamples: int = 9999,
    seed: int = 0,
    out: str | Path | None = None,
) -> WindowResult:
    """Where in a sweep an effect against a control is significant (as ``ketasim window``).

    Parameters
    ----------
    sweep : path or xarray.Dataset
        A sweep directory, or the dataset :func:`sweep` returned (its
        directory is analysed: all of it, not a selection made of the dataset).
    metric : str
        The metric (a variable of ``results.nc``).
    control : str or mapping
        The control setting of one axis: ``"dosing.0.dose=0 mg/kg"`` or
        ``{"dosing.0.dose": "0 mg/kg"}``.
    alpha : float
        False discovery rate of the Benjamini–Hochberg correction.
    direction : {"lower", "higher", "either"}
        The effect that counts (one-sided), or either (two-sided).
    replicates : str
        The axis holding replicates.
    axes : pair of str, optional
        The two axes of the heatmap.
    resamples : int
        Bootstrap and permutation resamples.
    seed : int
        Seed of the resampling.
    out : path, optional
        Output directory (default ``<sweep dir>/window/<metric>``).

    Returns
    -------
    WindowResult
    """
    from ketasim.analysis.window import run_window

    if isinstance(sweep, xr.Dataset):
        if "sweep_dir" not in sweep.attrs:
            raise ConfigError("sweep", "<Dataset>", "expected the dataset ketasim.sweep returned (it names its directory)")
        directory: str | Path = sweep.attrs["sweep_dir"]
    else:
        directory = sweep
    if isinstance(control, Mapping):
        if len(control) != 1:
            raise ConfigError("control", str(dict(control)), "give the control setting of exactly one axis")
        ((key, value),) = control.items()
        control = f"{key}={value}"
    with _keyword_errors():
        report = run_window(directory, metric=metric, control=control, alpha=alpha, direction=direction,
                            replicates=replicates, axes=axes, resamples=resamples, seed=seed, out=out)
    return WindowResult(report, Path(report.pop("out")))


# --------------------------------------------------------------------------- sensitivity


def sensitivity(
    config: str | Path | Mapping[str, Any] | ScenarioConfig,
    *,
    metric: str,
    vary: Sequence[str] = (),
    method: Literal["morris", "sobol"] = "morris",
    n: int = 8,
    seed: int = 0,
    out: str | Path | None = None,
    quick: bool = False,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> xr.Dataset:
    """Global sensitivity of one metric of a scenario to model parameters (as ``ketasim sensitivity``).

    Parameters
    ----------
    config : path, str, mapping or ScenarioConfig
        The scenario, in any form :func:`simulate` takes.
    metric : str
        The metric to explain (a key of the scenario's metrics).
    vary : sequence of str
        Parameter names or globs (``"signalling.spines.*"``) drawn over their
        declared ranges; default: every fitted parameter with a finite range.
    method : {"morris", "sobol"}
        Morris screening (``n`` trajectories, ``n (k + 1)`` runs) or Sobol
        first- and total-order indices (``n (k + 2)`` runs, ``n`` a power of 2).
    n : int
        Trajectories (Morris) or the base sample size (Sobol).
    seed : int
        Seed of the sampling and of the bootstrap intervals.
    out : path, optional
        The analysis directory (default ``ketasim-out/sensitivity/<name>-<metric>-<method>``);
        a rerun resumes its runs.
    quick, overrides, workers, scheduler, progress
        As for :func:`simulate` and :func:`sweep`.

    Returns
    -------
    xarray.Dataset
        Over ``parameter``: Morris ``mu_star`` (with its 95 % half-width
        ``mu_star_conf``), ``mu`` and ``sigma``, or Sobol ``S1``, ``ST`` and their
        ``*_conf``; each parameter's range, default and unit (see
        :mod:`ketasim.analysis.sensitivity`).
    """
    from ketasim.analysis.sensitivity import run_sensitivity

    base = scenario_config(config, overrides).as_data()
    if isinstance(config, str | Path):
        name = Path(config).stem
    else:
        name = "scenario-" + hashlib.sha256(json.dumps(base, sort_keys=True).encode()).hexdigest()[:10]
    directory = Path(out) if out is not None else default_output_dir("sensitivity", f"{name}-{metric}-{method}",
                                                                      quick)
    with _keyword_errors({"--parameters": "vary"}):
        return run_sensitivity(base, metric, directory, list(vary), method, n, seed, quick, workers, scheduler,
                               progress)


# --------------------------------------------------------------------------- the review's effects


@dataclass
class Reproduction:
    """What :func:`reproduce` returns: the checks of the review's effects.

    Attributes
    ----------
    rows : dict
        Experiment ID → its row: title, claim, checks (claim, measured,
        criterion, passed), figure, wall time, error.
    report : Path
        ``REPORT.md`` (``report.json`` and the figures are beside it).
    """

    rows: dict[str, dict[str, Any]]
    report: Path

    @property
    def passed(self) -> list[str]:
        """IDs of the experiments whose checks all hold."""
        return [key for key, row in self.rows.items() if row["passed"]]

    @property
    def failed(self) -> list[str]:
        """IDs of the experiments with a failing check or an error."""
        return [key for key, row in self.rows.items() if not row["passed"]]

    def _repr_markdown_(self) -> str:
        return self.report.read_text(encoding="utf-8")

    def __repr__(self) -> str:
        return f"Reproduction({len(self.passed)} of {len(self.rows)} pass; failing: {self.failed or 'none'}; {self.report})"


def reproduce(
    only: Sequence[str] = (),
    *,
    quick: bool = False,
    out: str | Path | None = None,
    workers: int | None = None,
    experiments: str | Path | None = None,
    robustness: int | None = None,
    robustness_seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> Reproduction:
    """Run the review's effects (``experiments/``) with their figures and checks.

    Parameters
    ----------
    only : sequence of str
        Experiment IDs, e.g. ``["E03"]`` (default: all of them).
    quick : bool
        The quick profile (small networks, fewer seeds).
    out : path, optional
        Where the figures, ``REPORT.md`` and ``report.json`` go (default
        ``ketasim-out/reproduce``, or ``ketasim-out/reproduce-quick``).
    workers : int, optional
        Experiments run in parallel processes (default: the core count; 1: in this process).
    experiments : path, optional
        A directory of experiment scripts (default: the ones shipped with
        ketasim; see ``experiments/README.md`` for what a script holds).
    robustness : int, optional
        Then rerun every experiment under this many draws of the fitted
        parameters it reads (:mod:`ketasim.analysis.robustness`); each row
        gains a ``robustness`` entry and the report a column.
    robustness_seed : int
        Seed of those draws.
    progress : callable, optional
        Called with a short message as each experiment finishes.

    Returns
    -------
    Reproduction
    """
    from ketasim.analysis.robustness import reproduce_with_robustness
    from ketasim.reproduce.runner import reproduce as run_experiments

    if isinstance(only, str):
        only = [only]
    workers = workers or os.cpu_count() or 1
    with _keyword_errors():
        if robustness is not None:
            rows, report = reproduce_with_robustness(list(only), draws=robustness, quick=quick, out=out,
                                                     experiments=experiments, workers=workers, seed=robustness_seed,
                                                     progress=progress)
        else:
            rows, report = run_experiments(list(only), quick=quick, out=out, experiments=experiments,
                                           workers=workers, progress=progress)
    return Reproduction(rows, report)
