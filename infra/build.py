"""Builds what the stack deploys, under build/, without Docker: the third-party dependency layer
(pip's manylinux wheels for arm64 CPython 3.14), the connector layer and each function's folder,
every module with the runtime's bytecode beside it (infra/bytecode.py says why).

The package list is pyproject.toml's [project.dependencies], the same list the local venv installs;
a stamp of the list skips pip when nothing changed. Our own code is copied and compiled on every
build, a few seconds.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python infra/build.py` runs it as a script
    sys.path.insert(0, str(ROOT))

from infra.bytecode import INVALIDATION, compile_tree  # noqa: E402 - after the path set-up above

BUILD = ROOT / "build"
# Lambda's python3.14 (infra/components/functions.py); pyodide 314 in package.json compiles for it.
RUNTIME_PYTHON = "3.14"
PLATFORM = [
    "--platform",
    "manylinux2014_aarch64",
    "--python-version",
    RUNTIME_PYTHON,
    "--implementation",
    "cp",
]
PYODIDE = ROOT / "node_modules" / "pyodide" / "package.json"
COMPILER = ROOT / "infra" / "runtime_bytecode.mjs"
LAYER_ROOT = "/opt/python"  # where Lambda puts a layer's python/ folder
FUNCTION_ROOT = "/var/task"  # where it puts a function's own folder
NOT_SHIPPED = shutil.ignore_patterns("__pycache__", "*.egg-info")


@dataclass(frozen=True)
class Code:
    """Our own code as deployed: the connector layer (python/connector/...) and one folder per
    function (functions/<name>/handler.py)."""

    connector_layer: Path
    functions: Path

    def deployed_folders(self) -> list[tuple[Path, str]]:
        """Each folder of modules with where Lambda runs it."""
        folders = [(self.connector_layer / "python", LAYER_ROOT)]
        return folders + [
            (folder, FUNCTION_ROOT) for folder in sorted(self.functions.iterdir()) if folder.is_dir()
        ]


@dataclass(frozen=True)
class Assets:
    dependencies_layer: Path
    code: Code


def stage_code(target: Path) -> Code:
    """Copies the connector layer and the functions' folders to ``target``, as they are deployed."""
    code = Code(target / "layers" / "connector", target / "functions")
    for copy in (code.connector_layer, code.functions):
        shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(ROOT / "layers" / "connector", code.connector_layer, ignore=NOT_SHIPPED)
    shutil.copytree(ROOT / "functions", code.functions, ignore=NOT_SHIPPED)
    return code


def compile_for_runtime(folders: list[tuple[Path, str]]) -> None:
    """The Lambda runtime's bytecode beside every module of ``folders``, compiled by Pyodide."""
    arguments = [
        argument for folder, deployed_at in folders for argument in (str(folder.resolve()), deployed_at)
    ]
    subprocess.run(  # noqa: S603 - fixed script, our own folders
        [_node(), str(COMPILER), RUNTIME_PYTHON, *arguments], check=True, cwd=ROOT
    )


def compiler_version() -> str:
    """What decides the bytecode: Pyodide's release, the invalidation mode and the compiling code."""
    _node()
    parts = [json.loads(PYODIDE.read_text())["version"], INVALIDATION.name]
    parts += [
        hashlib.sha256(path.read_bytes()).hexdigest() for path in (COMPILER, ROOT / "infra" / "bytecode.py")
    ]
    return " ".join(parts)


def _node() -> str:
    node = shutil.which("node")
    if node is None or not PYODIDE.exists():
        raise SystemExit(
            "Compiling the runtime's bytecode needs Node.js and the npm package pyodide"
            " (`make synth` installs it with npm ci)"
        )
    return node


def compile_here(folders: list[tuple[Path, str]]) -> None:
    """The same bytecode for this interpreter's version: what the cold-start benchmarks import."""
    for folder, deployed_at in folders:
        report = compile_tree(str(folder), deployed_at)
        if report:
            raise RuntimeError(f"{folder} did not compile:\n{report}")


def dependencies() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return list(project["project"]["dependencies"])


def dependencies_layer(target: Path, wanted: list[str]) -> Path:
    """pip's wheels of ``wanted`` for the runtime, compiled for it; rebuilt only when the list, the
    platform or the compiler changes. The stamp lies beside the layer, not in it (the layer ships its
    folder whole)."""
    stamp = hashlib.sha256("\n".join([*PLATFORM, *wanted, compiler_version()]).encode()).hexdigest()
    stamp_file = target.with_name(f"{target.name}.stamp")
    if stamp_file.exists() and stamp_file.read_text() == stamp and target.exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    stamp_file.unlink(missing_ok=True)
    installed = subprocess.run(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--only-binary=:all:",
            "--no-compile",  # pip would compile for this interpreter's version, which the runtime ignores
            *PLATFORM,
            "--target",
            str(target / "python"),
            *wanted,
        ],
        check=False,
        stderr=subprocess.PIPE,  # the machine's pip prints index warnings: shown only on a failure
        text=True,
    )
    if installed.returncode:
        raise SystemExit(f"pip could not build the dependency layer:\n{installed.stderr}")
    compile_for_runtime([(target / "python", LAYER_ROOT)])
    stamp_file.write_text(stamp)
    return target


def build(target: Path = BUILD) -> Assets:
    layer = dependencies_layer(target / "layers" / "dependencies", dependencies())
    code = stage_code(target)
    compile_for_runtime(code.deployed_folders())
    return Assets(layer, code)


if __name__ == "__main__":
    print(build())
