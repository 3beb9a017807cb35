"""Builds the third-party dependency layer for Lambda (arm64, CPython 3.14) without Docker.

The package list is pyproject.toml's [project.dependencies], the same list the local venv installs.
pip fetches manylinux wheels for the Lambda platform into build/layers/dependencies/python; a stamp
of the list skips the work when nothing changed.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "build" / "layers" / "dependencies"
PLATFORM = ["--platform", "manylinux2014_aarch64", "--python-version", "3.14", "--implementation", "cp"]


def dependencies() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return list(project["project"]["dependencies"])


def build() -> Path:
    wanted = dependencies()
    stamp = hashlib.sha256("\n".join([*PLATFORM, *wanted]).encode()).hexdigest()
    stamp_file = TARGET / ".stamp"
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return TARGET
    shutil.rmtree(TARGET, ignore_errors=True)
    subprocess.run(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--only-binary=:all:",
            *PLATFORM,
            "--target",
            str(TARGET / "python"),
            *wanted,
        ],
        check=True,
        stderr=subprocess.PIPE,  # the machine's pip prints index warnings; failures still raise
    )
    stamp_file.write_text(stamp)
    return TARGET


if __name__ == "__main__":
    print(build())
