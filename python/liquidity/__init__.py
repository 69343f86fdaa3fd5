"""The liquidity models from Python, solved in-process.

Every call goes through the C interface of the Swift library ``libLiquidityC``
(``Sources/LiquidityC``): no subprocess, no files between runs. Arguments are
the command line's options by name; bad input raises :class:`LiquidityError`
with the command's message and exit code. Solves release the GIL, so a thread
pool runs them in parallel.

    import liquidity
    df = liquidity.run(regime="buyer", set={"k_tp": 0.08})
    df["rb"].plot()

For many runs of one model, load it once: the file is read and compiled once per
regime, and each run only sets its parameters (issue 25).

    m = liquidity.load()
    paths = [m.run(params={"k_tp": k}, regime="buyer") for k in (0.04, 0.06, 0.08)]
"""
from __future__ import annotations

import ctypes
import io
import json
import numbers
import os
import threading
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["run", "compare", "matrices", "params", "sweep", "load", "Model", "LiquidityError", "library_path"]


class LiquidityError(Exception):
    """Bad input (code 2), a solver failure (3) or a failed write (4), with the command's message."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def library_path() -> Path:
    """The Swift library: $LIQUIDITY_LIBRARY, the copy installed with the package, or the package's own builds."""
    if os.environ.get("LIQUIDITY_LIBRARY"):
        return Path(os.environ["LIQUIDITY_LIBRARY"])
    here = Path(__file__).resolve().parent
    candidates = [here / "libLiquidityC.so"]
    root = _root()
    if root is not None:
        candidates += [root / ".build" / "release" / "libLiquidityC.so", root / ".build" / "debug" / "libLiquidityC.so"]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise LiquidityError("libLiquidityC.so not found: install the package with `pip install ./python` or set LIQUIDITY_LIBRARY", 2)


def _root() -> Path | None:
    """The package's source tree (models/, calibration/): $LIQUIDITY_ROOT, the one recorded at install, or the one above this file."""
    if os.environ.get("LIQUIDITY_ROOT"):
        return Path(os.environ["LIQUIDITY_ROOT"])
    here = Path(__file__).resolve().parent
    recorded = here / "ROOT"
    if recorded.exists():
        return Path(recorded.read_text().strip())
    for parent in here.parents:
        if (parent / "Package.swift").exists() and (parent / "models").is_dir():
            return parent
    return None


_lock = threading.Lock()
_lib = None


def _library():
    global _lib
    with _lock:
        if _lib is None:
            lib = ctypes.CDLL(str(library_path()))
            for name in ["liq_run", "liq_compare", "liq_matrices", "liq_params", "liq_sweep", "liq_load", "liq_decompose", "liq_estimate"]:
                getattr(lib, name).argtypes = [ctypes.c_char_p]
                getattr(lib, name).restype = ctypes.c_void_p
            for name in ["liq_loaded_run", "liq_loaded_observables"]:
                getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_char_p]
                getattr(lib, name).restype = ctypes.c_void_p
            lib.liq_status.argtypes = [ctypes.c_void_p]
            lib.liq_status.restype = ctypes.c_int32
            lib.liq_error.argtypes = [ctypes.c_void_p]
            lib.liq_error.restype = ctypes.c_char_p
            lib.liq_count.argtypes = [ctypes.c_void_p]
            lib.liq_count.restype = ctypes.c_int32
            for name in ["liq_label", "liq_header"]:
                getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_int32]
                getattr(lib, name).restype = ctypes.c_char_p
            for name in ["liq_rows", "liq_columns"]:
                getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_int32]
                getattr(lib, name).restype = ctypes.c_int32
            lib.liq_values.argtypes = [ctypes.c_void_p, ctypes.c_int32]
            lib.liq_values.restype = ctypes.POINTER(ctypes.c_double)
            lib.liq_free.argtypes = [ctypes.c_void_p]
            lib.liq_free.restype = None
            _lib = lib
    return _lib


def _request(**options) -> bytes:
    """The JSON request: options by the command line's names; None leaves an option out."""
    body = {}
    for key, value in options.items():
        if value is None:
            continue
        if key == "set":
            value = [[str(k), repr(float(v)) if isinstance(v, numbers.Real) and not isinstance(v, (bool, int)) else str(v)]
                     for k, v in value.items()]
        elif key == "scenario" and isinstance(value, (str, os.PathLike)):
            value = [str(value)]
        elif key in ("start", "end", "at", "save_step"):
            value = str(value)
        elif isinstance(value, os.PathLike):
            value = str(value)
        body[key] = value
    root = _root()
    if root is not None:
        # The package's files are looked for beside a file in its tree.
        body["anchor"] = str(root / "Package.swift")
    return json.dumps(body).encode()


def _call(function: str, **options):
    """Calls the library; returns [(label, header, values)] or raises LiquidityError."""
    lib = _library()
    return _tables(lib, getattr(lib, function)(_request(**options)))


def _tables(lib, handle, keep=False):
    """The tables of a call's handle, which is freed unless `keep`; raises LiquidityError for a failed call."""
    try:
        status = lib.liq_status(handle)
        if status != 0:
            raise LiquidityError(lib.liq_error(handle).decode(), status)
        tables = []
        for i in range(lib.liq_count(handle)):
            rows, columns = lib.liq_rows(handle, i), lib.liq_columns(handle, i)
            values = np.ctypeslib.as_array(lib.liq_values(handle, i), shape=(rows, columns)).copy() if rows * columns else np.empty((rows, columns))
            tables.append((lib.liq_label(handle, i).decode(), lib.liq_header(handle, i).decode(), values))
        return tables
    except BaseException:
        keep = False
        raise
    finally:
        if not keep:
            lib.liq_free(handle)


def _frame(header: str, values: np.ndarray) -> pd.DataFrame:
    """A solved path: indexed by date (or t), one column per series, units and summaries in attrs."""
    info = json.loads(header)
    frame = pd.DataFrame(values, columns=info["columns"])
    if info.get("dates"):
        frame.index = pd.DatetimeIndex(pd.to_datetime(info["dates"]), name="date")
    else:
        frame.index = pd.Index(frame["t"], name="t")
    frame.attrs["units"] = dict(zip(info["columns"], info["units"]))
    if "descriptions" in info:
        frame.attrs["descriptions"] = dict(zip(info["columns"], info["descriptions"]))
    if "summaries" in info:
        frame.attrs["summaries"] = info["summaries"]
    return frame


def run(model=None, config=None, regime=None, set=None, scenario=None, start=None, end=None, solver=None, rtol=None,
        atol=None, save_step=None, max_steps=None, native=None, saves=None) -> pd.DataFrame:
    """One path, as `liquidity run`: a DataFrame indexed by date, a column per series (`t` first).

    `df.attrs["units"]` and `["descriptions"]` give each column's unit and meaning,
    `df.attrs["summaries"]` the file's summary rows. `model=None` is the default model
    with its configuration; `set` maps parameter names (`"beta[crypto]"`) to values;
    `native=True` compiles the right-hand side with the system's C compiler (`--native`);
    `saves` is `"auto"`, `"land"` or `"interpolate"` (`--saves`).
    """
    (_, header, values), = _call("liq_run", model=model, config=config, regime=regime, set=set, scenario=scenario, start=start,
                                 end=end, solver=solver, rtol=rtol, atol=atol, save_step=save_step, max_steps=max_steps,
                                 native=native, saves=saves)
    return _frame(header, values)


def compare(regimes=None, counterfactual=False, model=None, config=None, set=None, scenario=None, start=None, end=None,
            solver=None, rtol=None, atol=None, save_step=None, max_steps=None, native=None, saves=None) -> pd.DataFrame:
    """The regimes of `liquidity compare`, as its compare.csv: columns t, date, regime, variable, value.

    `counterfactual=True` also solves each regime without the AI boom (regime
    `none/no_ai_boom`). `attrs["runs"]` holds each case's wide frame (as `run` returns it).
    """
    tables = _call("liq_compare", model=model, config=config, regimes=regimes, counterfactual=counterfactual, set=set,
                   scenario=scenario, start=start, end=end, solver=solver, rtol=rtol, atol=atol, save_step=save_step,
                   max_steps=max_steps, native=native, saves=saves)
    runs, long = {}, []
    for label, header, values in tables:
        wide = _frame(header, values)
        runs[label] = wide
        info = json.loads(header)
        dates = info.get("dates") or [""] * len(wide)
        variables = info["columns"][1:]
        block = pd.DataFrame({
            "t": np.repeat(values[:, 0], len(variables)),
            "date": np.repeat(np.array(dates, dtype=object), len(variables)),
            "regime": label,
            "variable": np.tile(np.array(variables, dtype=object), len(wide)),
            "value": values[:, 1:].reshape(-1),
        })
        long.append(block)
    frame = pd.concat(long, ignore_index=True)
    frame.attrs["runs"] = runs
    return frame


def matrices(at=None, regime=None, model=None, config=None, set=None, scenario=None, solver=None, rtol=None,
             atol=None) -> dict:
    """Every matrix of the model file at `at` (default t0), as `liquidity matrices`: name -> DataFrame with row and column sums."""
    result = {}
    for label, header, values in _call("liq_matrices", at=at, regime=regime, model=model, config=config, set=set,
                                       scenario=scenario, solver=solver, rtol=rtol, atol=atol):
        info = json.loads(header)
        frame = pd.DataFrame(values, index=info["rows"], columns=info["columns"])
        frame.attrs.update(title=info["title"], t=info["t"])
        result[label] = frame
    return result


def params(model=None, config=None, set=None) -> pd.DataFrame:
    """Every parameter with its value, unit, role, range, meaning and source, as `liquidity params`."""
    (_, header, _), = _call("liq_params", model=model, config=config, set=set)
    return pd.read_csv(io.StringIO(header), keep_default_na=False)


def sweep(spec, out, model=None, config=None, set=None, jobs=None) -> pd.DataFrame:
    """Runs a sweep spec as `liquidity sweep SPEC --out OUT`; returns runs.csv (the other files are in `out`)."""
    (_, header, _), = _call("liq_sweep", spec=str(spec), out=str(out), model=model, config=config, set=set, jobs=jobs)
    info = json.loads(header)
    frame = pd.read_csv(Path(out) / "runs.csv")
    frame.attrs["files"] = info["files"]
    return frame


def decompose(model=None, config=None, drivers=None, series=None, end=None) -> pd.DataFrame:
    """Each driver's contribution to the path, as `liquidity decompose`: a long frame of t, date, series, driver
    and value, with the rows "path" and "every driver off"; attrs["closure"] is the largest gap of the sum."""
    (_, table, _), (_, closure, _) = _call("liq_decompose", model=model, config=config, drivers=drivers,
                                           series=list(series) if series is not None else None, end=end)
    frame = pd.read_csv(io.StringIO(table))
    frame.attrs["closure"] = float(closure)
    return frame


def read_estimate(out) -> dict:
    """The files of an `estimate` run in `out` as DataFrames: "posterior" (per parameter), "draws" (every kept draw,
    when chains ran) and "observables" (the monthly data against the model at the mode)."""
    out = Path(out)
    frames = {"observables": pd.read_csv(out / "observables.csv")}
    if (out / "posterior.csv").exists():
        frames["posterior"] = pd.read_csv(out / "posterior.csv", index_col="key")
        frames["draws"] = pd.read_csv(out / "draws.csv")
    return frames


def estimate(out, model=None, config=None, estimation=None, data=None, chains=None, draws=None, warmup=None,
             seed=None, mode_only=False) -> dict:
    """Runs `liquidity estimate --out OUT` in-process (the mode, then the chains unless mode_only) and returns
    read_estimate(out)."""
    _call("liq_estimate", out=str(out), model=model, config=config, estimation=estimation, data=data,
          chains=chains, draws=draws, warmup=warmup, seed=seed, mode_only=mode_only)
    return read_estimate(out)


class Model:
    """A model file loaded once, for many runs: see :func:`load`. Safe to share across threads."""

    def __init__(self, handle):
        self._handle = handle

    def run(self, params=None, regime=None) -> pd.DataFrame:
        """One path with `params` (parameter name to value, as `set`) under `regime`: a DataFrame as :func:`run`'s.

        The model is compiled once per regime; each call sets its parameters on the compiled model, runs
        its setup and solves, with the GIL released.
        """
        return _frame(*self._call("liq_loaded_run", params, regime))

    def observables(self, params=None, regime=None) -> pd.DataFrame:
        """The model file's observables (its `observe` series, named as the data: `DGS10`, `WRESBAL`) with `params`
        under `regime`, at every saved date: what a likelihood sets against the data, without the other series."""
        return _frame(*self._call("liq_loaded_observables", params, regime))

    def _call(self, function, params, regime):
        lib = _library()
        request = json.loads(_request(set=params or {}, regime=regime))
        request.pop("anchor", None)
        (_, header, values), = _tables(lib, getattr(lib, function)(self._handle, json.dumps(request).encode()))
        return header, values

    def __del__(self):
        handle, self._handle = getattr(self, "_handle", None), None
        if handle is not None and _lib is not None:
            _lib.liq_free(handle)


def load(model=None, config=None, set=None, scenario=None, start=None, end=None, solver=None, rtol=None, atol=None,
         save_step=None, max_steps=None, native=None, saves=None) -> Model:
    """A model read, configured and compiled once, for many :meth:`Model.run` calls: the inputs and solver
    options of :func:`run` (`set` here fixes values for every run; each run's `params` come on top)."""
    lib = _library()
    handle = lib.liq_load(_request(model=model, config=config, set=set, scenario=scenario, start=start, end=end,
                                   solver=solver, rtol=rtol, atol=atol, save_step=save_step, max_steps=max_steps,
                                   native=native, saves=saves))
    _tables(lib, handle, keep=True)
    return Model(handle)

