# The notebook and script that `liquidity export --notebook` and `compare --notebook` write:
# the cells of the notebook, each after a line "# %% NAME", in the percent format. {{name}} is
# replaced by the value of the run, as Python text (Sources/Reports/Notebook.swift fills them in).

# %% load-manifest
import json
import os
from pathlib import Path

import pandas as pd
import matplotlib
import matplotlib.pyplot as plt

# The export's folder: the script's own, wherever it is run from; for the notebook, the folder
# LIQUIDITY_EXPORT names, else its kernel's (Jupyter starts it in the notebook's folder).
try:
    folder = Path(__file__).resolve().parent
except NameError:
    folder = Path(os.environ.get("LIQUIDITY_EXPORT", "."))
if not (folder / "manifest.json").exists():
    raise FileNotFoundError(f"no manifest.json in {folder.resolve()}: run from the export's folder, or set LIQUIDITY_EXPORT to it")
manifest = json.load(open(folder / "manifest.json"))
print("liquidity", manifest["tool"]["version"], "commit", manifest["tool"]["commit"])
print("command:", " ".join(manifest["command"]))
print("model:", manifest.get("model", "built-in"), "| configuration:", manifest.get("config"))
print("solver:", manifest["solver"])

# %% load-series
compare = pd.read_csv(folder / "compare.csv")   # t, date, regime, variable, value
units = pd.read_csv(folder / "units.csv").set_index("column")
wide = compare.pivot_table(index=["t", "date", "regime"], columns="variable", values="value").reset_index()
suffix = {{suffix}}
main = wide[~wide["regime"].str.endswith(suffix)]
flat = wide[wide["regime"].str.endswith(suffix)]
main.groupby("regime")[[c for c, *_ in {{panels}}][:3]].describe().T

# %% dashboard
colors = {{colors}}
dashes = {{dashes}}
panels = {{panels}}
attribution = {{attribution}}
panels = [p + (False,) for p in panels] + ([p + (True,) for p in attribution] if len(flat) else [])
rows = (len(panels) + 2) // 3
fig, axes = plt.subplots(rows, 3, figsize=(16, 3.6 * rows), squeeze=False)
for ax, (column, title, unit, scale, reference, difference) in zip(axes.flat, panels):
    for regime, group in main.groupby("regime", sort=False):
        values = group[column].to_numpy() * scale
        if difference:
            values = values - flat[flat["regime"] == regime + suffix][column].to_numpy() * scale
        dash = dashes.get(regime, (0, ()))
        ax.plot(group["t"], values, color=colors.get(regime, "grey"), linestyle=dash if dash[1] else "-",
                label=f"{{legend}}: {regime}", lw=2)
    if reference is not None:
        ax.axhline(reference * scale, color="#333333", ls=":", lw=1)
    ax.set_title(title, fontweight="bold")
    ax.set_ylabel(unit)
    ax.set_xlabel("year")
    ax.grid(alpha=0.3)
for ax in list(axes.flat)[len(panels):]:
    ax.axis("off")
handles, labels = axes.flat[0].get_legend_handles_labels()
fig.suptitle({{title}}, y=0.995, fontsize=16, fontweight="bold")
fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.975), ncol=4, frameon=False)
fig.tight_layout(rect=(0, 0, 1, 0.95))
fig.savefig(folder / "dashboard_matplotlib.png", dpi=80)
plt.show()

# %% re-solve
# Re-solve in-process with the Python package (`pip install ./python` in the liquidity
# folder): another capex plateau I1, another Fed regime; sliders where ipywidgets is installed.
try:
    import liquidity
except ImportError:
    liquidity = None
    print("to re-solve here, install the Python package: pip install ./python in the liquidity folder")
if liquidity is not None:
    # The model file and configuration the export copied beside its files, by their names there.
    model, config = {{model}}, {{config}}
    model, config = str(folder / model), (str(folder / config) if config is not None else None)
    table = liquidity.params(model=model, config=config).set_index("name")
    regimes = list(colors)

    def resolve(I1=float(table.loc["I1", "value"]) if "I1" in table.index else None, regime=regimes[-1]):
        run = liquidity.run(model=model, config=config, regime=regime, set={"I1": I1} if I1 is not None else None)
        fig, axes = plt.subplots(1, 3, figsize=(16, 3.6), squeeze=False)
        for ax, (column, title, unit, scale, reference, difference) in zip(axes.flat, panels[:3]):
            exported = main[main["regime"] == regime]
            ax.plot(exported["t"], exported[column] * scale, color="#999999", ls=":", lw=2, label=f"{regime}, as exported")
            ax.plot(run["t"], run[column] * scale, color=colors.get(regime, "black"), lw=2, label=f"{regime}, I1 = {I1}")
            ax.set_title(title, fontweight="bold")
            ax.set_ylabel(unit)
            ax.grid(alpha=0.3)
        axes.flat[0].legend(frameon=False)
        plt.show()

    try:
        import ipywidgets
        value = resolve.__defaults__[0]
        ipywidgets.interact(resolve, I1=ipywidgets.FloatSlider(min=0.2, max=2.0, step=0.05, value=value), regime=regimes)
    except ImportError:
        resolve(regime=regimes[-1])

# %% matrices
# The matrices at {{matrices_date}}, with row and column sums.
matrices = pd.read_csv(folder / "matrices.csv")
for name, table in matrices.groupby("matrix", sort=False):
    print(name)
    table = table.drop(columns="matrix").set_index("row")
    table.loc["column sum"] = table.sum(numeric_only=True)
    print(table.round(4).to_string())
    print()
