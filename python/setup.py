"""Builds the Swift library (swift build -c release --product LiquidityC in the package's
root, the folder above this one) and installs it inside the Python package, with the
root's path, so that the default model and configurations are found."""
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithSwift(build_py):
    def run(self):
        here = Path(__file__).resolve().parent
        root = here.parent
        subprocess.run(["swift", "build", "-c", "release", "--product", "LiquidityC"], cwd=root, check=True)
        package = here / "liquidity"
        shutil.copy2(root / ".build" / "release" / "libLiquidityC.so", package / "libLiquidityC.so")
        (package / "ROOT").write_text(str(root) + "\n")
        super().run()


setup(cmdclass={"build_py": BuildWithSwift})
