"""Bytecode beside every module of a deployed folder, compiled as the deployed function loads it.

Lambda cannot write bytecode next to a layer's or a function's code (both are read-only), so code
shipped as source compiles every module it imports on every cold start. This module runs in two
interpreters: in Pyodide's CPython, which has the runtime's version (infra/runtime_bytecode.mjs),
for what we deploy; and in this machine's CPython for the cold-start benchmarks, which import the
same form. It therefore uses the standard library only.
"""

from __future__ import annotations

import compileall
import contextlib
import io
import py_compile

# Hash-based, not timestamp-based: a timestamp pyc records its source's mtime, and the CDK zips its
# assets with fixed dates, so Lambda would find every timestamp stale and compile anyway. Checked:
# the loader hashes the source (SipHash, microseconds) and never runs bytecode that does not match it.
INVALIDATION = py_compile.PycInvalidationMode.CHECKED_HASH


def compile_tree(directory: str, deployed_at: str) -> str:
    """Writes __pycache__/<module>.<cache tag>.pyc beside every .py under ``directory``, each code
    object named by where it is deployed (``deployed_at``: /opt/python for a layer, /var/task for a
    function; the loader renames it to the file it loads anyway), so the bytes do not depend on where
    the build ran and an unchanged folder keeps its asset hash. Returns compileall's report of what
    failed to compile, empty when nothing did."""
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        compiled = compileall.compile_dir(
            directory, ddir=deployed_at, quiet=1, workers=1, invalidation_mode=INVALIDATION
        )
    return "" if compiled else report.getvalue() or f"compileall failed under {directory}"
