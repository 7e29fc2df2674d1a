"""Sweeps: config validation, stores that resume after kill -9, local pool and Dask giving the same results."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from ketasim.cli import main
from ketasim.config import ConfigError
from ketasim.sweep import load_sweep, parse_sweep
from ketasim.sweep.store import STORE_FILE

ROOT = Path(__file__).resolve().parents[1]
FAST = "tests.sweep_models:fast_model"
BASE = {"species": "mouse", "seed": 0, "dosing": [{"drug": "ketamine", "dose": "10 mg/kg", "route": "ip", "at": "0 h"}]}


def write_sweep(path: Path, grid: dict | None = None, **extra) -> Path:
    import yaml

    data = {"base": BASE, **({"grid": grid} if grid else {}), **extra}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def cli(*args) -> int:
    return main([str(a) for a in args])


def load(directory: Path) -> xr.Dataset:
    return xr.load_dataset(directory / "results.nc", engine="scipy")


def _clean_env(monkeypatch):
    for name in ("KETASIM_TEST_POINT_LOG", "KETASIM_TEST_POINT_SLEEP", "KETASIM_TEST_FAIL_SEED",
                 "KETASIM_TEST_CRASH_SEED"):
        monkeypatch.delenv(name, raising=False)


# ------------------------------------------------------------------ spec
def test_grid_expands_to_the_full_factorial():
    spec = parse_sweep({"base": BASE, "grid": {"dosing.0.dose": ["0 mg/kg", "7.5 mg/kg", "15 mg/kg", "30 mg/kg"],
                                               "dosing.0.at": ["1 h", "22 h"], "seed": [0, 1, 2]}})
    assert spec.dims == ["dosing.0.dose", "dosing.0.at", "seed"]
    assert spec.shape == (4, 2, 3) and len(spec.points) == 24
    last = spec.points[-1]
    assert last.config.dosing[0].dose == 30.0 and last.config.dosing[0].at == 22.0 and last.config.seed == 2


@pytest.mark.parametrize("method", ["lhs", "sobol", "halton"])
def test_samples_fill_the_bounds_reproducibly(method):
    sweep = {"base": BASE, "sample": {"method": method, "n": 16, "seed": 3,
                                      "bounds": {"dosing.0.dose": ["0 mg/kg", "100 mg/kg"], "dosing.0.at": ["0 h", "2 d"]}}}
    spec = parse_sweep(sweep)
    doses = np.array([p.config.dosing[0].dose for p in spec.points])
    times = np.array([p.config.dosing[0].at for p in spec.points])
    assert spec.dims == ["point"] and len(spec.points) == 16
    assert doses.min() >= 0 and doses.max() <= 100 and times.max() <= 48
    # Space filling: every quarter of each range is visited.
    assert len(set(np.floor(doses / 25).astype(int))) == 4 and len(set(np.floor(times / 12).astype(int))) == 4
    assert [p.config.dosing[0].dose for p in parse_sweep(sweep).points] == list(doses)


def test_points_cross_with_a_grid_of_seeds():
    spec = parse_sweep({"base": BASE, "points": [{"dosing.0.dose": "5 mg/kg"}, {"dosing.0.dose": "50 mg/kg"}],
                        "grid": {"seed": [0, 1, 2]}})
    assert spec.dims == ["point", "seed"] and spec.shape == (2, 3)


BAD_SWEEPS = {
    "value out of range": ({"grid": {"dosing.0.dose": ["10 mg/kg", "900 mg/kg"]}}, "grid.dosing.0.dose", "900 mg/kg"),
    "wrong unit": ({"grid": {"dosing.0.at": ["1 h", "3 mg/kg"]}}, "grid.dosing.0.at", "3 mg/kg"),
    "unknown key in an axis": ({"grid": {"mechanisms.mtorr": [0, 1]}}, "grid.mechanisms.mtorr", "allowed"),
    "not a scenario key": ({"grid": {"colour": [1, 2]}}, "grid.colour", "allowed roots"),
    "unknown sweep key": ({"grid": {"seed": [0]}, "grids": {}}, "grids", "allowed: base"),
    "no axes": ({}, "", "at least one of"),
    "empty axis": ({"grid": {"seed": []}}, "grid.seed", "non-empty"),
    "duplicate value": ({"grid": {"dosing.0.dose": ["10 mg/kg", "10.0 mg/kg"]}}, "grid.dosing.0.dose", "same setting"),
    "sobol not a power of two": ({"sample": {"method": "sobol", "n": 10, "bounds": {"seed": [0, 9]}}}, "sample.n", "power of two"),
    "bad method": ({"sample": {"method": "grid", "n": 4, "bounds": {"seed": [0, 9]}}}, "sample.method", "allowed: lhs"),
    "mixed bound kinds": ({"sample": {"n": 4, "bounds": {"dosing.0.dose": ["1 mg/kg", "2 h"]}}}, "sample.bounds.dosing.0.dose", "one kind"),
    "user code as model": ({"grid": {"seed": [0]}, "model": "os:system"}, "model", "allowed: scenario"),
    "sampled value out of range": ({"sample": {"n": 4, "bounds": {"dosing.0.dose": ["100 mg/kg", "900 mg/kg"]}}},
                                   "sample.bounds.dosing.0.dose", "at sample "),
    "listed value out of range": ({"points": [{"dosing.0.dose": "1 mg/kg"}, {"dosing.0.dose": "900 mg/kg"}]},
                                  "points.1.dosing.0.dose", "900 mg/kg"),
}


@pytest.mark.parametrize("name", list(BAD_SWEEPS))
def test_bad_sweeps_fail_in_one_line_and_write_nothing(name, tmp_path, capsys):
    extra, key, fragment = BAD_SWEEPS[name]
    path = write_sweep(tmp_path / "bad.yaml", **extra)
    with pytest.raises(ConfigError) as info:
        load_sweep(path)
    assert info.value.key == key and fragment in str(info.value)
    out = tmp_path / "out"
    assert cli("sweep", path, "--out", out, "--no-progress") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and "Traceback" not in err
    assert not out.exists()


def test_base_file_is_relative_to_the_sweep_file(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "s.yaml").write_text("dosing: [{drug: ketamine, dose: 3 mg/kg, route: ip}]\n")
    (tmp_path / "sweeps").mkdir()
    (tmp_path / "sweeps" / "w.yaml").write_text("base: ../scenarios/s.yaml\ngrid: {seed: [0, 1]}\n")
    spec = load_sweep(tmp_path / "sweeps" / "w.yaml")
    assert spec.points[1].config.dosing[0].dose == 3.0 and spec.points[1].config.seed == 1


def test_example_sweep_configs_are_valid():
    for path in sorted((ROOT / "configs" / "sweeps").glob("*.yaml")):
        assert len(load_sweep(path).points) >= 2, path


# ------------------------------------------------------------------ running
GRID = {"dosing.0.dose": ["0 mg/kg", "10 mg/kg", "30 mg/kg"], "seed": [0, 1, 2, 3]}


def test_real_quick_scenarios_through_the_store(tmp_path, run_quick, capsys):
    """A real (quick) ketasim sweep: metrics equal single runs; a rerun recomputes nothing."""
    path = write_sweep(tmp_path / "pfc.yaml", {"dosing.0.dose": ["0 mg/kg", "10 mg/kg"]})
    out = tmp_path / "out"
    assert cli("sweep", path, "--out", out, "--quick", "--workers", "1", "--no-progress") == 0
    results = load(out)
    for i, dose in enumerate((0, 10)):
        single = run_quick({**BASE, "dosing": [{**BASE["dosing"][0], "dose": f"{dose} mg/kg"}]}).metrics
        assert results["pyr_rate_hz"].values[i] == single["pyr_rate_hz"]
        assert results["nmdar_block_peak_interneuron"].values[i] == single["nmdar_block_peak_interneuron"]
    assert results["dosing.0.dose"].attrs["units"] == "mg/kg"
    capsys.readouterr()
    assert cli("sweep", path, "--out", out, "--quick", "--workers", "1", "--no-progress") == 0
    assert "(2 already done, 0 run now)" in capsys.readouterr().err
    xr.testing.assert_identical(load(out), results)


def test_local_pool_matches_in_process_run(tmp_path, monkeypatch):
    _clean_env(monkeypatch)
    path = write_sweep(tmp_path / "s.yaml", GRID)
    assert cli("sweep", path, "--out", tmp_path / "serial", "--workers", "1", "--model", FAST, "--no-progress") == 0
    assert cli("sweep", path, "--out", tmp_path / "pool", "--workers", "2", "--model", FAST, "--no-progress") == 0
    serial = load(tmp_path / "serial")
    xr.testing.assert_identical(load(tmp_path / "pool"), serial)
    assert (serial["status"] == 1).all() and serial["response"].shape == (3, 4)


def test_dask_cluster_matches_local_pool(tmp_path, monkeypatch):
    """A real scheduler and two worker processes on 127.0.0.1, driven through --scheduler."""
    from distributed import LocalCluster

    _clean_env(monkeypatch)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    path = write_sweep(tmp_path / "s.yaml", GRID)
    assert cli("sweep", path, "--out", tmp_path / "pool", "--workers", "2", "--model", FAST, "--no-progress") == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        assert cli("sweep", path, "--out", tmp_path / "dask", "--scheduler", address, "--model", FAST,
                   "--no-progress") == 0
    workers = {line.split(",")[7].split(":")[1] for line in (tmp_path / "dask" / "results.csv").read_text().splitlines()[1:]}
    assert str(os.getpid()) not in workers  # the points ran on the cluster's processes
    xr.testing.assert_identical(load(tmp_path / "dask"), load(tmp_path / "pool"))


def test_sampled_sweep_exports_a_point_dimension(tmp_path, monkeypatch, capsys):
    _clean_env(monkeypatch)
    path = write_sweep(tmp_path / "s.yaml", {"seed": [0, 1]}, sample={
        "method": "lhs", "n": 5, "seed": 0, "bounds": {"dosing.0.dose": ["0 mg/kg", "50 mg/kg"]}})
    out = tmp_path / "out"
    assert cli("sweep", path, "--out", out, "--workers", "1", "--model", FAST, "--no-progress") == 0
    results = load(out)
    assert results["response"].dims == ("point", "seed")
    doses = results["dosing.0.dose"]
    assert doses.dims == ("point",) and doses.attrs["units"] == "mg/kg"
    np.testing.assert_allclose(results["dose_twice"].sel(seed=0), 2 * doses)
    capsys.readouterr()
    assert cli("window", out, "--metric", "response", "--control", "seed=0") == 2
    assert "needs a grid sweep" in capsys.readouterr().err


def test_unreachable_scheduler_is_a_one_line_error(tmp_path, capsys):
    path = write_sweep(tmp_path / "s.yaml", {"seed": [0, 1]})
    out = tmp_path / "out"
    assert cli("sweep", path, "--out", out, "--scheduler", "tcp://127.0.0.1:9", "--scheduler-timeout", "2",
               "--model", FAST, "--no-progress") == 2
    err = capsys.readouterr().err
    assert "--scheduler" in err and "Traceback" not in err and not out.exists()


def _store_rows(out: Path) -> dict[str, dict]:
    if not (out / STORE_FILE).exists():
        return {}
    db = sqlite3.connect(f"file:{out / STORE_FILE}?mode=ro", uri=True)
    try:
        return {h: json.loads(c) for h, c in db.execute("SELECT hash, config FROM points WHERE status='done'")}
    finally:
        db.close()


def _logged(path: Path) -> set[tuple]:
    if not path.exists():
        return set()
    return {(r["seed"], r["dose"], r["at"]) for r in map(json.loads, path.read_text().splitlines())}


def test_kill_9_loses_no_finished_point_and_resumes_to_the_same_result(tmp_path):
    grid = {"dosing.0.dose": ["0 mg/kg", "10 mg/kg", "20 mg/kg", "30 mg/kg"], "dosing.0.at": ["1 h", "22 h"], "seed": [0, 1]}
    path = write_sweep(tmp_path / "s.yaml", grid)
    out, reference = tmp_path / "out", tmp_path / "reference"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KETASIM_TEST_POINT_SLEEP": "0.4",
           "KETASIM_TEST_POINT_LOG": str(tmp_path / "first.log")}
    command = [sys.executable, "-m", "ketasim.cli", "sweep", str(path), "--out", str(out), "--workers", "2",
               "--model", FAST, "--no-progress"]
    process = subprocess.Popen(command, env=env, cwd=tmp_path, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if len(_store_rows(out)) >= 4:
                break
            assert process.poll() is None, "the sweep ended before it could be killed"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)  # the whole sweep: coordinator and pool workers
    finally:
        process.wait()
    finished = _store_rows(out)
    assert 4 <= len(finished) < 16

    env["KETASIM_TEST_POINT_LOG"] = str(tmp_path / "second.log")
    env["KETASIM_TEST_POINT_SLEEP"] = "0"
    subprocess.run(command, env=env, cwd=tmp_path, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    before = {(c["seed"], c["dosing"][0]["dose"], c["dosing"][0]["at"]) for c in finished.values()}
    before = {(seed, float(dose.split()[0]), float(at.split()[0])) for seed, dose, at in before}
    rerun = _logged(tmp_path / "second.log")
    assert not before & rerun, "finished points were recomputed"
    assert len(_store_rows(out)) == 16 and set(finished) <= set(_store_rows(out))
    assert len(before | rerun) == 16

    assert cli("sweep", path, "--out", reference, "--workers", "1", "--model", FAST, "--no-progress") == 0
    xr.testing.assert_identical(load(out), load(reference))
    assert (out / "results.nc").read_bytes() == (reference / "results.nc").read_bytes()


def test_failed_points_are_recorded_and_retried_on_request(tmp_path, monkeypatch, capsys):
    _clean_env(monkeypatch)
    path = write_sweep(tmp_path / "s.yaml", GRID)
    out = tmp_path / "out"
    monkeypatch.setenv("KETASIM_TEST_FAIL_SEED", "1")
    assert cli("sweep", path, "--out", out, "--workers", "1", "--model", FAST, "--no-progress") == 1
    results = load(out)
    assert (results["status"].sel(seed=1) == 2).all() and (results["status"].sel(seed=[0, 2, 3]) == 1).all()
    assert np.isnan(results["response"].sel(seed=1)).all()
    assert "planted failure at seed 1" in (out / "results.csv").read_text()
    assert "--retry-failed" in capsys.readouterr().err

    monkeypatch.delenv("KETASIM_TEST_FAIL_SEED")
    monkeypatch.setenv("KETASIM_TEST_POINT_LOG", str(tmp_path / "log"))
    assert cli("sweep", path, "--out", out, "--workers", "1", "--model", FAST, "--no-progress") == 1
    assert _logged(tmp_path / "log") == set()  # without the flag failed points stay failed
    assert cli("sweep", path, "--out", out, "--workers", "1", "--model", FAST, "--no-progress", "--retry-failed") == 0
    assert {seed for seed, _, _ in _logged(tmp_path / "log")} == {1}
    assert (load(out)["status"] == 1).all()


def test_a_dying_worker_fails_only_its_own_point(tmp_path, monkeypatch):
    _clean_env(monkeypatch)
    path = write_sweep(tmp_path / "s.yaml", {"dosing.0.dose": ["0 mg/kg", "10 mg/kg"], "seed": [0, 1, 2]})
    out = tmp_path / "out"
    monkeypatch.setenv("KETASIM_TEST_CRASH_SEED", "2")
    assert cli("sweep", path, "--out", out, "--workers", "2", "--model", FAST, "--no-progress") == 1
    status = load(out)["status"]
    assert (status.sel(seed=2) == 2).all() and (status.sel(seed=[0, 1]) == 1).all()
    assert "worker process died" in (out / "results.csv").read_text()


# ------------------------------------------------------------------ stores that are not ours
def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_changed_base_is_reported_not_mixed(tmp_path, monkeypatch, capsys):
    _clean_env(monkeypatch)
    path = write_sweep(tmp_path / "s.yaml", {"seed": [0, 1]})
    out = tmp_path / "out"
    assert cli("sweep", path, "--out", out, "--workers", "1", "--model", FAST, "--no-progress") == 0
    before = _snapshot(out)
    changed = dict(BASE, dosing=[{**BASE["dosing"][0], "dose": "12 mg/kg"}])
    path.write_text(json.dumps({"base": changed, "grid": {"seed": [0, 1]}}))
    capsys.readouterr()
    assert cli("sweep", path, "--out", out, "--workers", "1", "--model", FAST, "--no-progress") == 2
    err = capsys.readouterr().err
    assert "base scenario changed" in err and err.count("\n") == 1
    assert cli("sweep", path, "--out", out, "--workers", "1", "--no-progress") == 2  # another model
    assert _snapshot(out) == before


def _foreign_sqlite(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE birds (name TEXT)")
    db.commit()
    db.close()


@pytest.mark.parametrize("kind", ["foreign files", "garbage store", "foreign sqlite", "truncated store"])
def test_corrupted_or_foreign_directories_are_refused_untouched(kind, tmp_path, monkeypatch, capsys):
    _clean_env(monkeypatch)
    path = write_sweep(tmp_path / "s.yaml", {"seed": [0, 1]})
    out = tmp_path / "out"
    if kind == "truncated store":
        assert cli("sweep", path, "--out", out, "--workers", "1", "--model", FAST, "--no-progress") == 0
        data = (out / STORE_FILE).read_bytes()
        (out / STORE_FILE).write_bytes(data[:100] + b"\x00" * 50 + data[150:1200])
    else:
        out.mkdir()
        if kind == "foreign files":
            (out / "thesis.tex").write_text("precious")
        elif kind == "garbage store":
            (out / STORE_FILE).write_bytes(os.urandom(4096))
        else:
            _foreign_sqlite(out / STORE_FILE)
    before = _snapshot(out)
    capsys.readouterr()
    assert cli("sweep", path, "--out", out, "--workers", "1", "--model", FAST, "--no-progress") == 2
    assert cli("window", out, "--metric", "response", "--control", "seed=0") == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 2 and str(out) in err
    assert _snapshot(out) == before


# ------------------------------------------------------------------ workers must match the coordinator
def test_a_worker_with_other_code_or_brian2_refuses_the_point(tmp_path, monkeypatch):
    from ketasim.sweep.runner import run_point, worker_identity

    _clean_env(monkeypatch)
    monkeypatch.setenv("KETASIM_TEST_POINT_LOG", str(tmp_path / "log"))
    config = {**BASE, "seed": 3}
    own = worker_identity()
    done = run_point("h", config, FAST, False, isolate=False, expected=own)
    assert done["status"] == "done" and done["identity"] == own
    for key, other in (("code_hash", "0" * 64), ("brian2_version", "2.5.0"), ("brian_target", "numpy")):
        record = run_point("h", config, FAST, False, isolate=False, expected={**own, key: other})
        assert record["status"] == "failed" and not record["metrics"]
        assert f"{key} {own[key][:12]} on the worker, {other[:12]} on the coordinator" in record["error"]
    assert len(_logged(tmp_path / "log")) == 1  # refused points were not computed


def test_dask_workers_with_another_codegen_target_are_refused(tmp_path, monkeypatch, capsys):
    """Workers started with KETASIM_BRIAN_TARGET=numpy while the coordinator uses cython."""
    from distributed import LocalCluster

    _clean_env(monkeypatch)
    monkeypatch.delenv("KETASIM_BRIAN_TARGET", raising=False)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    path = write_sweep(tmp_path / "s.yaml", {"seed": [0, 1]})
    out = tmp_path / "dask"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                      env={"KETASIM_BRIAN_TARGET": "numpy"}) as cluster:
        assert cli("sweep", path, "--out", out, "--scheduler", cluster.scheduler_address, "--model", FAST,
                   "--no-progress") == 1
    results = load(out)
    assert (results["status"] == 2).all() and "response" not in results
    assert "brian_target numpy on the worker, cython on the coordinator" in (out / "results.csv").read_text()


@pytest.mark.slow
def test_real_scenario_points_agree_in_process_pool_and_dask(tmp_path, monkeypatch):
    """Two real quick PFC points (configs/sweeps/pfc_dose.yaml cut down): bit-identical metrics everywhere."""
    from distributed import LocalCluster

    _clean_env(monkeypatch)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    path = tmp_path / "pfc_two.yaml"
    path.write_text(f"base: {ROOT / 'configs' / 'default.yaml'}\ngrid: {{dosing.0.dose: [0 mg/kg, 10 mg/kg], seed: [0]}}\n")
    common = ["--quick", "--no-progress", "--out"]
    assert cli("sweep", path, *common, tmp_path / "serial", "--workers", "1") == 0
    assert cli("sweep", path, *common, tmp_path / "pool", "--workers", "2") == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        assert cli("sweep", path, *common, tmp_path / "dask", "--scheduler", cluster.scheduler_address) == 0
    serial = load(tmp_path / "serial")
    assert (serial["status"] == 1).all() and "pyr_rate_hz" in serial
    assert serial["pyr_rate_hz"].sel({"dosing.0.dose": 10.0}).item() != serial["pyr_rate_hz"].sel({"dosing.0.dose": 0.0}).item()
    for other in ("pool", "dask"):
        xr.testing.assert_identical(load(tmp_path / other), serial)
        with (tmp_path / other / "results.csv").open() as handle:
            pids = {row["worker"].split(":")[1] for row in csv.DictReader(handle)}
        assert str(os.getpid()) not in pids  # computed in worker processes, not here


def test_code_change_is_refused_unless_allowed_and_then_recorded_per_point(tmp_path, monkeypatch, capsys):
    from ketasim.sweep.runner import code_fingerprint

    _clean_env(monkeypatch)
    path = write_sweep(tmp_path / "s.yaml", {"seed": [0, 1]})
    out = tmp_path / "out"
    assert cli("sweep", path, "--out", out, "--workers", "1", "--model", FAST, "--no-progress") == 0
    old = "f" * 64  # the store and its two points as made by other ketasim sources
    db = sqlite3.connect(out / STORE_FILE)
    with db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'code_hash'", (old,))
        db.execute("UPDATE points SET code_hash = ?", (old,))
    db.close()
    before = _snapshot(out)
    write_sweep(path, {"seed": [0, 1, 2]})
    capsys.readouterr()
    assert cli("sweep", path, "--out", out, "--workers", "1", "--model", FAST, "--no-progress") == 2
    err = capsys.readouterr().err
    assert "source code changed" in err and "--allow-code-change" in err and err.count("\n") == 1
    assert _snapshot(out) == before

    monkeypatch.setenv("KETASIM_TEST_POINT_LOG", str(tmp_path / "log"))
    assert cli("sweep", path, "--out", out, "--workers", "1", "--model", FAST, "--no-progress",
               "--allow-code-change") == 0
    assert {seed for seed, _, _ in _logged(tmp_path / "log")} == {2}  # the finished points were kept
    assert "2 versions of the ketasim code" in capsys.readouterr().err
    now = code_fingerprint()[:12]
    with (out / "results.csv").open() as handle:
        assert [row["code_version"] for row in csv.DictReader(handle)] == [old[:12], old[:12], now]
    results = load(out)
    assert results["code_version"].values.tolist() == [old[:12], old[:12], now]
    assert results.attrs["code_versions"] == " ".join(sorted([old[:12], now]))
    assert "code_version" not in results.attrs["axes"] and (results["status"] == 1).all()
    # The store still records the code it was made with: a strict rerun is refused again.
    assert cli("sweep", path, "--out", out, "--workers", "1", "--model", FAST, "--no-progress") == 2


def test_brian2_can_be_first_imported_on_a_worker_thread():
    """Dask runs points in worker threads; brian2's import-time SIGINT handler must not fail them."""
    code = """if True:
        import signal, sys, threading
        from ketasim.sweep import runner
        original, errors = signal.signal, []
        def first_import():
            try:
                runner.import_brian2_in_worker_thread()
            except Exception as exc:
                errors.append(exc)
        thread = threading.Thread(target=first_import)
        thread.start(); thread.join()
        assert not errors, errors
        assert "brian2" in sys.modules and signal.signal is original
    """
    subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, timeout=120)


def test_a_second_sweep_into_a_running_sweeps_directory_is_refused(tmp_path, monkeypatch, capsys):
    import fcntl

    from ketasim.sweep.store import LOCK_FILE

    _clean_env(monkeypatch)
    path = write_sweep(tmp_path / "s.yaml", {"dosing.0.dose": ["0 mg/kg", "10 mg/kg"], "seed": [0, 1, 2, 3]})
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KETASIM_TEST_POINT_SLEEP": "0.3",
           "KETASIM_TEST_POINT_LOG": str(tmp_path / "first.log")}
    first = subprocess.Popen([sys.executable, "-m", "ketasim.cli", "sweep", str(path), "--out", str(out), "--workers",
                              "1", "--model", FAST, "--no-progress"], env=env, cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not _store_rows(out) and time.monotonic() < deadline:  # running, at least one point stored
            assert first.poll() is None, "the first sweep ended too early"
            time.sleep(0.05)
        monkeypatch.setenv("KETASIM_TEST_POINT_LOG", str(tmp_path / "second.log"))
        capsys.readouterr()
        assert cli("sweep", path, "--out", out, "--workers", "1", "--model", FAST, "--no-progress") == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "another ketasim sweep is running" in err and f"pid {first.pid}" in err
        assert first.poll() is None  # refused while the first was still running
    finally:
        _, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, first_err
    assert not (tmp_path / "second.log").exists()  # the refused sweep computed nothing
    assert len(_logged(tmp_path / "first.log")) == 8 and len(_store_rows(out)) == 8

    # The lock goes with its holder: now a rerun works, and a lock held here refuses it again.
    assert cli("sweep", path, "--out", out, "--workers", "1", "--model", FAST, "--no-progress") == 0
    with open(out / LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert cli("sweep", path, "--out", out, "--workers", "1", "--model", FAST, "--no-progress") == 2
