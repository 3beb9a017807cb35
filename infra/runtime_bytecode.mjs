// Compiles folders of Python modules to the bytecode of the Lambda runtime's CPython.
//
// Pyodide (npm, pinned in package-lock.json) is CPython built for WebAssembly, release 314 being
// CPython 3.14, the runtime's version (infra/components/functions.py). Its compiler is CPython's and
// the pyc format does not depend on the machine, so the runtime loads what it writes
// (tests/infra/test_build.py): no CPython 3.14 and no Docker on the build machine, and no download at
// build time.
//
// Usage: node infra/runtime_bytecode.mjs <python version> <folder> <deployed at> [<folder> <deployed at>]...
// The compile itself is infra/bytecode.py, shared with the benchmarks' local build.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";

const [version, ...pairs] = process.argv.slice(2);
const pyodide = await loadPyodide();
const running = pyodide.runPython("import sys; f'{sys.version_info[0]}.{sys.version_info[1]}'");
if (running !== version) {
  console.error(`Pyodide runs Python ${running}, the runtime is Python ${version}: pin the matching pyodide`);
  process.exit(2);
}
const source = readFileSync(fileURLToPath(new URL("./bytecode.py", import.meta.url)), "utf8");
pyodide.runPython(source);
const compileTree = pyodide.globals.get("compile_tree");
let failed = false;
for (let index = 0; index < pairs.length; index += 2) {
  const mountedAt = `/build/${index / 2}`;
  pyodide.FS.mkdirTree(mountedAt);
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: pairs[index] }, mountedAt);
  const report = compileTree(mountedAt, pairs[index + 1]);
  if (report) {
    console.error(`${pairs[index]}:\n${report}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
