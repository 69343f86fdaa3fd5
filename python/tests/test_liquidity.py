"""The Python package against the command line: the same numbers to 1e-12, the same
messages for bad input, and threads that give what serial calls give."""
import concurrent.futures
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import liquidity

ROOT = Path(__file__).resolve().parents[2]
TOOL = os.environ.get("LIQUIDITY_TOOL", str(ROOT / ".build" / "debug" / "liquidity"))


def command(*arguments, cwd=ROOT):
    return subprocess.run([TOOL, *arguments], cwd=cwd, capture_output=True, text=True)


def close(a, b):
    """Equal to 1e-12 relative (absolute below 1)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    both_nan = np.isnan(a) & np.isnan(b)
    return bool(np.all(both_nan | (np.abs(a - b) <= 1e-12 * np.maximum(1, np.abs(b)))))


def test_run_equals_the_commands_series(tmp_path):
    frame = liquidity.run(regime="buyer", set={"k_tp": 0.08}, save_step="quarterly")
    result = command("run", "--regime", "buyer", "--set", "k_tp=0.08", "--save-step", "quarterly", "--quiet", "--out", str(tmp_path / "r"))
    assert result.returncode == 0, result.stderr
    series = pd.read_csv(tmp_path / "r" / "series.csv")
    assert list(frame.columns) == [c for c in series.columns if c != "date"]
    assert list(frame.index.strftime("%Y-%m-%d")) == list(series["date"])
    for column in frame.columns:
        assert close(frame[column], series[column]), column
    assert frame.attrs["units"]["rb"] == "1/yr"
    assert frame.attrs["summaries"][0]["label"] == "crypto: price at end (index, 1 at the start)"


def test_compare_equals_the_commands_compare_csv(tmp_path):
    frame = liquidity.compare(regimes=["none", "buyer"], counterfactual=True)
    result = command("compare", "--regimes", "none,buyer", "--counterfactual", "--quiet", "--out", str(tmp_path / "c"))
    assert result.returncode == 0, result.stderr
    written = pd.read_csv(tmp_path / "c" / "compare.csv")
    assert list(frame.columns) == list(written.columns) == ["t", "date", "regime", "variable", "value"]
    assert len(frame) == len(written)
    assert list(frame["regime"].unique()) == ["none", "none/no_ai_boom", "buyer", "buyer/no_ai_boom"]
    merged = frame.merge(written, on=["t", "regime", "variable"], suffixes=("", "_file"))
    assert len(merged) == len(written)
    assert (merged["date"] == merged["date_file"]).all()
    assert close(merged["value"], merged["value_file"])


def test_matrices_and_params_equal_the_commands(tmp_path):
    tables = liquidity.matrices(at="2028-01-01", regime="none")
    result = command("matrices", "--at", "2028-01-01", "--regime", "none", "--format", "csv")
    assert result.returncode == 0, result.stderr
    printed = result.stdout.strip().split("\n\n")
    assert list(tables) == ["flows", "balance"] and len(printed) == 2
    for frame, text in zip(tables.values(), printed):
        printed_frame = pd.read_csv(pd.io.common.StringIO(text), index_col=0)
        assert list(printed_frame.index) == list(frame.index) and list(printed_frame.columns) == list(frame.columns)
        # The command prints six decimals.
        assert np.allclose(printed_frame.to_numpy(), frame.to_numpy(), rtol=0, atol=5e-7, equal_nan=True)
    parameters = liquidity.params(set={"payout": 0.5})
    printed = pd.read_csv(pd.io.common.StringIO(command("params", "--set", "payout=0.5", "--format", "csv").stdout), keep_default_na=False)
    assert parameters.equals(printed)
    assert parameters.set_index("name").loc["payout", "value"] == 0.5


@pytest.mark.parametrize("options, arguments", [
    ({"set": {"payout": 2.0}}, ["--set", "payout=2.0"]),
    ({"set": {"bogus": 1.0}}, ["--set", "bogus=1.0"]),
    ({"regime": "qe"}, ["--regime", "qe"]),
    ({"solver": "euler"}, ["--solver", "euler"]),
    ({"config": "nowhere.toml"}, ["--config", "nowhere.toml"]),
    ({"start": "2025-13-01"}, ["--from", "2025-13-01"]),
])
def test_bad_input_raises_the_commands_message(tmp_path, monkeypatch, options, arguments):
    # From the same folder, the command and the library find the package's files by the same path.
    monkeypatch.chdir(ROOT)
    with pytest.raises(liquidity.LiquidityError) as raised:
        liquidity.run(**options)
    result = command("run", *arguments, "--out", str(tmp_path / "x"), cwd=ROOT)
    assert result.returncode == 2 == raised.value.code
    assert result.stderr == f"error: {raised.value}\n"


def test_a_solver_failure_raises_with_code_3(tmp_path):
    with pytest.raises(liquidity.LiquidityError) as raised:
        liquidity.run(max_steps=5)
    assert raised.value.code == 3
    message = str(raised.value)
    assert message.startswith("models/liquidity-priced.sfc: the solver (rk8pd) stopped at t = "), message
    assert " with stepBudgetExhausted: the step budget of 5 steps ran out at t = " in message, message
    # The command line says the same of the same run, and exits 3 too.
    result = command("run", "--max-steps", "5", "--out", str(tmp_path / "x"), cwd=ROOT)
    assert result.returncode == 3 and result.stderr == f"error: {message}\n", result.stderr
    assert not list((tmp_path / "x").glob("*")), "a failed run writes no file"


def test_threads_give_what_serial_calls_give():
    settings = [{"k_tp": value} for value in np.linspace(0.02, 0.12, 8)]
    serial = [liquidity.run(set=s, solver="msbdf", rtol=1e-8)["rb"].to_numpy() for s in settings]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda s: liquidity.run(set=s, solver="msbdf", rtol=1e-8)["rb"].to_numpy(), settings))
    for a, b in zip(serial, parallel):
        assert np.array_equal(a, b)
    assert not np.array_equal(serial[0], serial[-1])


def test_sweep_writes_the_commands_files(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text('name = "s"\ndesign = "grid"\nregimes = ["none", "buyer"]\n[[parameter]]\nkey = "k_tp"\ndistribution = "values"\nvalues = [0.03, 0.06]\n')
    runs = liquidity.sweep(spec, tmp_path / "s", jobs=2)
    result = command("sweep", str(spec), "--jobs", "1", "--quiet", "--out", str(tmp_path / "c"))
    assert result.returncode == 0, result.stderr
    written = pd.read_csv(tmp_path / "c" / "runs.csv")
    key = ["run", "regime"]
    a, b = runs.sort_values(key).reset_index(drop=True), written.sort_values(key).reset_index(drop=True)
    assert list(a.columns) == list(b.columns) and len(a) == 4
    numeric = [c for c in a.columns if c not in ("regime", "status", "message") and a[c].dtype != object]
    assert close(a[numeric].to_numpy(), b[numeric].to_numpy())


# CI (CI=true, or LIQUIDITY_NO_SKIPS=1) must run every test: there a missing R fails instead of skipping.
SKIPS_ALLOWED = os.environ.get("CI") != "true" and os.environ.get("LIQUIDITY_NO_SKIPS") != "1"
HAS_R = subprocess.run(["sh", "-c", "command -v Rscript"], capture_output=True).returncode == 0


@pytest.mark.skipif(not HAS_R and SKIPS_ALLOWED, reason="R is not installed")
def test_the_r_example_prints_the_packages_numbers():
    env = dict(os.environ, RETICULATE_PYTHON=os.environ.get("RETICULATE_PYTHON", __import__("sys").executable),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "python"), os.environ.get("PYTHONPATH")])))
    result = subprocess.run(["Rscript", str(ROOT / "python" / "examples" / "compare.R")], cwd=ROOT, env=env, capture_output=True, text=True)
    if "there is no package called" in result.stderr and SKIPS_ALLOWED:
        pytest.skip("reticulate is not installed in R")
    assert result.returncode == 0, result.stderr
    printed = dict(line.split() for line in result.stdout.strip().split("\n"))
    runs = liquidity.compare(regimes=["none", "buyer"]).attrs["runs"]
    for regime in ["none", "buyer"]:
        assert abs(float(printed[regime]) - runs[regime]["p_crypto"].iloc[-1]) < 1e-11


def test_native_gives_the_tapes_path_bit_for_bit(tmp_path, monkeypatch):
    monkeypatch.setenv("LIQUIDITY_NATIVE_CACHE", str(tmp_path / "cache"))
    tape = liquidity.run(model=str(ROOT / "models" / "reverse-qe.sfc"), solver="rk8pd", rtol=1e-8, atol=1e-8)
    native = liquidity.run(model=str(ROOT / "models" / "reverse-qe.sfc"), solver="rk8pd", rtol=1e-8, atol=1e-8, native=True)
    assert native.equals(tape)
    # two programs: the right-hand side, and the output series at the saved points
    assert len(list((tmp_path / "cache").glob("*.so"))) == 2


def test_a_loaded_model_gives_what_a_run_gives_bit_for_bit():
    model = liquidity.load(save_step="quarterly")
    for regime, params in [("buyer", {"k_tp": 0.08}), ("none", {"k_tp": 0.05, "theta_max": 0.75}), (None, {})]:
        loaded = model.run(params=params, regime=regime)
        direct = liquidity.run(regime=regime, set=params, save_step="quarterly")
        pd.testing.assert_frame_equal(loaded, direct, check_exact=True)
        assert loaded.attrs == direct.attrs


def test_a_loaded_model_refuses_what_run_refuses():
    model = liquidity.load()
    with pytest.raises(liquidity.LiquidityError) as error:
        model.run(params={"nosuch": 1.0})
    assert error.value.code == 2
    assert "has no parameter nosuch" in str(error.value)
    with pytest.raises(liquidity.LiquidityError) as error:
        model.run(params={"payout": 7.0})
    assert error.value.code == 2
    assert "parameter payout = 7.0 is out of range; allowed: in [0, 1]" in str(error.value)
    with pytest.raises(liquidity.LiquidityError) as error:
        model.run(regime="nobody")
    assert error.value.code == 2
    with pytest.raises(liquidity.LiquidityError) as error:
        liquidity.load(config="nowhere.toml")
    assert error.value.code == 2 and "nowhere.toml" in str(error.value)


def test_a_loaded_model_runs_on_threads_as_in_series():
    model = liquidity.load(save_step="quarterly")
    values = [0.03, 0.05, 0.07, 0.09]
    serial = [model.run(params={"k_tp": k}, regime="buyer") for k in values]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda k: model.run(params={"k_tp": k}, regime="buyer"), values))
    for a, b in zip(serial, threaded):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not serial[0]["rb"].equals(serial[-1]["rb"])


def test_a_loaded_models_observables_are_its_run_series():
    model = liquidity.load(save_step="quarterly")
    observed = model.observables(params={"theta_max": 0.75}, regime="none")
    full = model.run(params={"theta_max": 0.75}, regime="none")
    assert list(observed.columns)[:3] == ["t", "DGS10", "DGS3MO"]
    assert observed.attrs["units"]["DGS10"] == "percent"
    pd.testing.assert_frame_equal(observed, full[list(observed.columns)], check_exact=True, check_like=False)


def test_decompose_equals_the_commands_table(tmp_path):
    frame = liquidity.decompose(series=["RRPONTSYD", "WRESBAL"])
    result = command("decompose", "--series", "RRPONTSYD,WRESBAL", "--quiet", "--out", str(tmp_path / "d"))
    assert result.returncode == 0, result.stderr
    written = pd.read_csv(tmp_path / "d" / "decomposition.csv")
    assert list(frame.columns) == list(written.columns) == ["t", "date", "series", "driver", "value"]
    assert (frame[["date", "series", "driver"]] == written[["date", "series", "driver"]]).all().all()
    assert close(frame["value"], written["value"])
    assert frame.attrs["closure"] < 1e-12
    # The contributions add up: the path less the path with every driver off.
    wide = frame.pivot_table(index=["t", "series"], columns="driver", values="value")
    drivers = [c for c in wide.columns if c not in ("path", "every driver off")]
    assert len(drivers) == 9
    assert np.allclose(wide["path"] - wide["every driver off"], wide[drivers].sum(axis=1), rtol=0, atol=1e-6)


FIXTURES = ROOT / "Tests" / "Fixtures"  # the toy model and estimation file the Swift tests use too


def test_estimate_gives_the_commands_posterior_as_frames(tmp_path):
    (tmp_path / "toy.sfc").write_text((FIXTURES / "toy.sfc").read_text())
    (tmp_path / "estimate.toml").write_text((FIXTURES / "toy-estimate.toml").read_text())
    (tmp_path / "data").mkdir()
    level = [100 * (3 - 2 * np.exp(-0.8 * m / 12)) for m in range(48)]
    dates = [f"{2020 + m // 12:04d}-{m % 12 + 1:02d}" for m in range(48)]
    (tmp_path / "data" / "X.csv").write_text("observation_date,X\n" + "".join(f"{d}-15,{v + (-1) ** m}\n" for m, (d, v) in enumerate(zip(dates, level))))
    (tmp_path / "data" / "Q.csv").write_text("observation_date,Q\n" + "".join(f"{d}-01,{v + 10}\n" for m, (d, v) in enumerate(zip(dates, level)) if m % 3 == 0))
    files = dict(model=str(tmp_path / "toy.sfc"), estimation=str(tmp_path / "estimate.toml"), data=str(tmp_path / "data"))
    frames = liquidity.estimate(tmp_path / "p", **files)
    result = command("estimate", "--model", files["model"], "--estimation", files["estimation"], "--data", files["data"],
                     "--quiet", "--out", str(tmp_path / "c"))
    assert result.returncode == 0, result.stderr
    written = pd.read_csv(tmp_path / "c" / "posterior.csv", index_col="key")
    assert list(frames["posterior"].index) == ["a", "b", "sd[Q]"]
    numeric = [c for c in written.columns if pd.api.types.is_float_dtype(written[c])]
    assert close(frames["posterior"][numeric].to_numpy(), written[numeric].to_numpy())
    assert len(frames["draws"]) == 2 * 200
    assert list(frames["draws"].columns) == ["chain", "draw", "log_posterior", "log_likelihood", "a", "b", "sd[Q]"]
    assert list(frames["observables"].columns) == ["month", "t", "X", "X_model", "Q", "Q_model"]
    with pytest.raises(liquidity.LiquidityError) as error:
        liquidity.estimate(tmp_path / "q", chains=1, **files)
    assert error.value.code == 2 and str(error.value) == "chains 1: allowed: 2 to 1000000"
