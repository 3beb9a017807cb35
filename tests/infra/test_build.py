"""What we deploy carries the Lambda runtime's bytecode, and that runtime's CPython loads it.

Pyodide's CPython (from npm, the runtime's version) stands in for the runtime: it imports a module of
the built layer, and must not compile it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from infra.build import ROOT, RUNTIME_PYTHON, compile_for_runtime, dependencies_layer, stage_code
from infra.bytecode import INVALIDATION
from infra.components.functions import RUNTIME
from tests.unit.fresh_interpreter import RECORD_COMPILES

NODE = shutil.which("node") or "node"
# Mounts a built layer at /layer, imports one of its modules (standard library only) in Pyodide,
# recording every source compile the import system makes, and prints what it found.
IMPORT_IN_RUNTIME = """
import {{ loadPyodide }} from "{pyodide}";
const pyodide = await loadPyodide();
pyodide.FS.mkdirTree("/layer");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, {{ root: "{layer}" }}, "/layer");
console.log(pyodide.runPython(`{record_compiles}
import importlib.util, json, sys
sys.dont_write_bytecode = True
sys.path.insert(0, "/layer")
import connector.domain.sales_periods as module
json.dumps({{
    "version": "%d.%d" % sys.version_info[:2],
    "magic": importlib.util.MAGIC_NUMBER.hex(),
    "cached": module.__spec__.cached,
    "compiled": compiled,
    "members": [day.name for day in module.SalesDays],
}})
`));
"""


def _in_runtime(layer: Path, tmp_path: Path) -> dict[str, object]:
    script = tmp_path / "import_in_runtime.mjs"
    pyodide = (ROOT / "node_modules" / "pyodide" / "pyodide.mjs").as_uri()
    script.write_text(IMPORT_IN_RUNTIME.format(pyodide=pyodide, layer=layer, record_compiles=RECORD_COMPILES))
    done = subprocess.run([NODE, str(script)], capture_output=True, text=True, check=True, timeout=120)  # noqa: S603
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("build")
    compile_for_runtime(stage_code(target).deployed_folders())
    return target


def test_the_runtime_version_is_the_one_the_bytecode_is_compiled_for() -> None:
    assert RUNTIME.name == f"python{RUNTIME_PYTHON}"
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["pyodide"]
    assert pinned.startswith(RUNTIME_PYTHON.replace(".", "") + ".")  # Pyodide 314.x is CPython 3.14


def test_the_dependency_layer_holds_the_runtimes_bytecode_and_no_other(tmp_path: Path) -> None:
    """pip installs without compiling (its bytecode would be this interpreter's), Pyodide compiles;
    a build with the same list does nothing, another list builds again."""
    layer = dependencies_layer(tmp_path / "dependencies", ["six==1.17.0"])
    assert (tmp_path / "dependencies.stamp").exists() and not list(layer.glob(".*"))
    (compiled,) = [pyc.name for pyc in layer.rglob("*.pyc")]
    assert compiled == "six.cpython-314.pyc"
    built_at = (layer / "python" / "__pycache__" / compiled).stat().st_mtime_ns
    dependencies_layer(tmp_path / "dependencies", ["six==1.17.0"])
    assert (layer / "python" / "__pycache__" / compiled).stat().st_mtime_ns == built_at
    dependencies_layer(tmp_path / "dependencies", ["six==1.16.0"])
    assert [path.name for path in (layer / "python").glob("six-*.dist-info")] == ["six-1.16.0.dist-info"]


def test_every_deployed_module_carries_checked_bytecode_for_the_runtime(built: Path) -> None:
    sources = [
        path
        for folder in (built / "layers" / "connector" / "python", *(built / "functions").iterdir())
        if folder.is_dir()
        for path in folder.rglob("*.py")
    ]
    assert len(sources) > 100
    tag = f"cpython-{RUNTIME_PYTHON.replace('.', '')}"
    for source in sources:
        cached = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        header = cached.read_bytes()[:8]
        flags = int.from_bytes(header[4:8], "little")
        assert flags == 0b11, cached  # hash-based (bit 0) and checked against the source (bit 1)
    assert INVALIDATION.name == "CHECKED_HASH"


def test_the_runtimes_python_loads_the_layer_without_compiling_it(built: Path, tmp_path: Path) -> None:
    layer = built / "layers" / "connector" / "python"
    found = _in_runtime(layer, tmp_path)
    assert found["version"] == RUNTIME_PYTHON
    assert found["compiled"] == []  # nothing compiled: every module came from its bytecode
    assert found["members"] == ["WEEK", "MONTH", "QUARTER"]
    cached = layer / str(found["cached"]).removeprefix("/layer/")
    assert cached.read_bytes()[:4].hex() == found["magic"] == "2b0e0d0a"  # 3627, every CPython 3.14.x


def test_the_runtime_compiles_what_has_no_bytecode(built: Path, tmp_path: Path) -> None:
    """The recording above sees a compile when there is one: without the bytecode, it names the file."""
    layer = tmp_path / "python"
    shutil.copytree(
        built / "layers" / "connector" / "python", layer, ignore=shutil.ignore_patterns("__pycache__")
    )
    found = _in_runtime(layer, tmp_path)
    assert "/layer/connector/domain/sales_periods.py" in found["compiled"]


def test_a_pyodide_of_another_python_version_is_refused(tmp_path: Path) -> None:
    done = subprocess.run(  # noqa: S603 - the build's own script
        [NODE, str(ROOT / "infra" / "runtime_bytecode.mjs"), "3.13", str(tmp_path), "/opt/python"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "Pyodide runs Python 3.14, the runtime is Python 3.13" in done.stderr


def test_two_builds_write_the_same_bytes(built: Path, tmp_path: Path) -> None:
    """The CDK names an asset by its content: a build that changed no source uploads no new layer."""
    compile_for_runtime(stage_code(tmp_path).deployed_folders())

    def bytecode(root: Path) -> dict[str, bytes]:
        return {str(pyc.relative_to(root)): pyc.read_bytes() for pyc in root.rglob("*.pyc")}

    assert bytecode(tmp_path) == bytecode(built)
