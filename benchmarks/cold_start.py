"""Cold start: importing each function's handler module in a fresh interpreter against importing
`botocore.session` in a fresh interpreter (the floor any boto-based Lambda pays); in the same
interpreter, the function's first invocation against its warm ones (what the import deferred, and
the first connections, land in the first); and `python -X importtime`'s heaviest imports.

Our code is imported as deployed: infra/build.py's copy of the layer and the functions, each module
with its bytecode beside it, compiled here for this interpreter as the build compiles it for the
runtime's (the libraries of every floor load pip's bytecode, as the dependency layer's load the
build's on Lambda)."""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks.common import (
    OFFLINE_ENVIRONMENT,
    ROOT,
    Figure,
    interleaved,
    local_table,
    median,
    run_as_script,
)
from infra.build import Code, compile_here, stage_code

FUNCTIONS = ("dashboard", "shopify_webhook", "tiktok_webhook", "processor", "jobs", "scheduler")
MODULES = tuple(f"functions.{name}.handler" for name in FUNCTIONS)
BASELINE = "botocore.session"
TARGET = ("<=", 1.2)
WARM_CALLS = 5
# The import alone, timed inside the child: interpreter start-up is the same for every module.
PROBE = "import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
# What each handler must load whatever our own code does, with the libraries DEVELOPERS.md asks
# for (PynamoDB, pydantic, Powertools' logger, metrics, event handler with validation or batch
# processing; PyJWT; requests and cryptography where every run calls out with a stored token).
# Timed like a handler, it is the floor under that handler's figure. A webhook door needs only
# botocore's SQS client (verification, checks, its log and metric line are the standard library's).
_COMMON = "import pynamodb.models, pydantic; from aws_lambda_powertools import Logger, Metrics"
_RESOLVER = "from aws_lambda_powertools.event_handler import APIGatewayRestResolver as R"
_BATCH = "from aws_lambda_powertools.utilities.batch import BatchProcessor"
_CALLS_OUT = "import requests; from cryptography.hazmat.primitives.ciphers.aead import AESGCM"
REQUIRED_LIBRARIES = {
    "dashboard": f"{_COMMON}; {_RESOLVER}; R(enable_validation=True); import jwt",
    "shopify_webhook": "import botocore.session",
    "tiktok_webhook": "import botocore.session",
    "processor": f"{_COMMON}; {_BATCH}",
    "jobs": f"{_COMMON}; {_BATCH}; {_CALLS_OUT}",
    "scheduler": f"{_COMMON}; {_BATCH}; {_CALLS_OUT}",  # it consumes its fan-out queue
}
# The import, then the first invocation and the warm ones, each timed inside the child; the events
# are read (and the Lambda context module imported) after the import, outside every timed call.
INVOKE_PROBE = """
import sys, time
started = time.perf_counter()
import {module} as function
imported = time.perf_counter() - started
import json
from local.lambda_context import LocalLambdaContext
seconds, answers = [], []
for event in json.loads(open(sys.argv[1]).read()):
    context = LocalLambdaContext("{name}")
    started = time.perf_counter()
    answer = function.lambda_handler(event, context)
    seconds.append(time.perf_counter() - started)
    answers.append(answer.get("statusCode", len(answer.get("batchItemFailures", ()))))
with open(sys.argv[2], "w") as out:
    json.dump({{"import": imported, "calls": seconds, "answers": answers}}, out)
"""
IMPORTTIME_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")
# What each invocation must answer: an HTTP status, or the number of failed batch records.
EXPECTED = {
    "dashboard": 200,
    "shopify_webhook": 200,
    "tiktok_webhook": 200,
    "processor": 0,
    "jobs": 0,
    "scheduler": 0,
}


@cache
def deployed_code() -> Code:
    """Our code as the build ships it, compiled for this interpreter; removed when the run ends."""
    directory = Path(tempfile.mkdtemp(prefix="cold-start-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    code = stage_code(directory)
    compile_here(code.deployed_folders())
    return code


def _environment(as_deployed: bool = True) -> dict[str, str]:
    """Our code as deployed, or (``as_deployed`` false) the repository's source, compiled by every
    import as it was before the build shipped bytecode; the repository root for the rest."""
    if as_deployed:
        code = deployed_code()
        path = [code.connector_layer / "python", code.functions.parent, ROOT]
    else:
        path = [ROOT / "layers" / "connector" / "python", ROOT]
    return {
        **os.environ,
        **OFFLINE_ENVIRONMENT,
        "PYTHONPATH": os.pathsep.join(map(str, path)),
        "PYTHONDONTWRITEBYTECODE": "1",
        # `python -c` puts the working directory (the repository) first on the path, ahead of
        # PYTHONPATH: the repository's functions/ would shadow the deployed copy's.
        "PYTHONSAFEPATH": "1",
    }


def _run_python(
    *arguments: str, environment: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """This interpreter with `arguments` in a new process at the repository root, in the offline
    environment unless given another; its output captured as text, a failure or a hang raised."""
    return subprocess.run(  # noqa: S603 - this interpreter, fixed statements
        [sys.executable, *arguments],
        env=_environment() if environment is None else environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def import_seconds(statement: str) -> float:
    return float(_run_python("-c", PROBE.format(statement=statement)).stdout.strip())


def importtime_offenders(module: str, top: int = 5) -> list[str]:
    """`python -X importtime`: the heaviest top-level packages (summed self time) and modules."""
    done = _run_python("-X", "importtime", "-c", f"import {module}")
    by_package: dict[str, int] = defaultdict(int)
    by_module: list[tuple[int, int, str]] = []
    for line in done.stderr.splitlines():
        match = IMPORTTIME_LINE.match(line)
        if match:
            self_us, cumulative_us, name = int(match[1]), int(match[2]), match[4]
            by_package[name.split(".")[0]] += self_us
            by_module.append((self_us, cumulative_us, name))
    packages = sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)[:top]
    modules = sorted(by_module, reverse=True)[:top]
    lines = [f"python -X importtime -c 'import {module}': top {top} packages by summed self time"]
    lines += [f"  {us / 1000:8.1f} ms  {name}" for name, us in packages]
    lines += [f"  top {top} modules by self time (cumulative beside):"]
    lines += [f"  {s / 1000:8.1f} ms  (cum {c / 1000:7.1f} ms)  {name}" for s, c, name in modules]
    return lines


@contextmanager
def fake_sqs() -> Iterator[str]:
    """An endpoint that accepts SendMessage (AWS JSON 1.0) and keeps nothing: the handlers reach
    their queues through botocore's real SQS client, as on AWS, without AWS."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            digest = hashlib.md5(str(request.get("MessageBody", "")).encode()).hexdigest()  # noqa: S324 - SQS's field
            body = json.dumps({"MessageId": str(uuid.uuid4()), "MD5OfMessageBody": digest}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class Invocations:
    import_seconds: float
    first: float
    warm: float  # median of the warm calls


def _sqs_batch(bodies: list[str]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "r",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:queue",
                "awsRegion": "us-east-1",
            }
            for body in bodies
        ]
    }


def event_makers(shop: str, tiktok_shop_id: str) -> dict[str, Callable[[], dict[str, Any]]]:
    """Each function's representative event; every call makes a new delivery (a repeated one would
    be a cheap duplicate)."""
    from benchmarks.common import merchant_get
    from benchmarks.ingest import signed_events
    from connector.jobs import Job, JobKind
    from connector.schedules import ScheduledWork
    from local.events import tiktok_request
    from tests.helpers import product_body, shopify_message

    def tiktok_order() -> dict[str, Any]:
        n = uuid.uuid4().int
        body = {
            "type": 1,
            "tts_notification_id": str(n)[:19],
            "shop_id": tiktok_shop_id,
            "timestamp": 1_795_700_000,
            "data": {"order_id": str(n)[-18:], "order_status": "UNPAID", "update_time": 1_795_700_000},
        }
        return tiktok_request("type-1", body=body).door_event()

    def product_batch() -> dict[str, Any]:
        ids = [str(uuid.uuid4().int % 10**12 * 10) for _ in range(10)]
        messages = [shopify_message(shop, "products/create", product_body(p, "cold", 100)) for p in ids]
        return _sqs_batch([m.model_dump_json() for m in messages])

    def inventory_job() -> dict[str, Any]:
        params = {"inventory_item_id": str(uuid.uuid4().int % 10**12), "available": 3, "updated_at": 1}
        job = Job(kind=JobKind.INVENTORY_SYNC, shop=shop, idempotency_key=str(uuid.uuid4()), params=params)
        return _sqs_batch([job.model_dump_json()])

    def shop_reconciliation() -> dict[str, Any]:  # what most of the scheduler's invocations are
        return _sqs_batch([ScheduledWork(task="reconcile_counters", tick=1, shop=shop).model_dump_json()])

    return {
        "dashboard": lambda: merchant_get(shop, "/v1/dashboard"),
        "shopify_webhook": lambda: signed_events(shop, 1)[0][0],
        "tiktok_webhook": tiktok_order,
        "processor": product_batch,
        "jobs": inventory_job,
        "scheduler": shop_reconciliation,
    }


def invoke_in_fresh_interpreter(
    name: str, make_event: Callable[[], dict[str, Any]], environment: dict[str, str]
) -> Invocations:
    with tempfile.TemporaryDirectory() as work:
        events, result = Path(work) / "events.json", Path(work) / "result.json"
        events.write_text(json.dumps([make_event() for _ in range(1 + WARM_CALLS)]))
        probe = INVOKE_PROBE.format(module=f"functions.{name}.handler", name=name)
        _run_python("-c", probe, str(events), str(result), environment=environment)
        measured = json.loads(result.read_text())
    expected = EXPECTED.get(name)
    if expected is not None:
        assert all(answer == expected for answer in measured["answers"]), (name, measured["answers"])
    calls = measured["calls"]
    return Invocations(measured["import"], calls[0], median(calls[1:]))


def run(quick: bool) -> list[Figure]:
    from tests.helpers import connected_shop

    rounds = 3 if quick else 15  # quick: a smoke run, a median of 3 is enough to print
    with local_table() as store, fake_sqs() as sqs:
        shop = f"bench-cold-{uuid.uuid4().hex[:6]}.myshopify.com"
        tiktok_shop_id = connected_shop(store, shop, auto_upload=False)
        environment = {
            **_environment(),
            **{name: os.environ[name] for name in ("DYNAMODB_ENDPOINT", "TABLE_NAME")},
            "AWS_ENDPOINT_URL_SQS": sqs,
            "EVENTS_QUEUE_URL": f"{sqs}/000000000000/events",
            "JOBS_QUEUE_URL": f"{sqs}/000000000000/jobs",
            "SCHEDULED_WORK_QUEUE_URL": f"{sqs}/000000000000/scheduled-work",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
        makers = event_makers(shop, tiktok_shop_id)
        measures: dict[str, Callable[[], Any]] = {BASELINE: partial(import_seconds, f"import {BASELINE}")}
        for name in FUNCTIONS:
            measures[name] = partial(invoke_in_fresh_interpreter, name, makers[name], environment)
            measures[f"{name} libraries"] = partial(import_seconds, REQUIRED_LIBRARIES[name])
        samples = interleaved(measures, rounds)
    baseline = median(samples[BASELINE]) * 1000
    figures = []
    for name, module in zip(FUNCTIONS, MODULES, strict=True):
        runs: list[Invocations] = samples[name]
        imported = median([r.import_seconds for r in runs]) * 1000
        libraries = median(samples[f"{name} libraries"]) * 1000
        # The target: a door against `import botocore.session`, the others against their floor.
        if REQUIRED_LIBRARIES[name] == f"import {BASELINE}":
            against, floor = f"import {BASELINE}", baseline
            also = {"its libraries, measured alone": f"{libraries:.0f} ms ({imported / libraries:.2f}x)"}
        else:
            against, floor = "the libraries it must load, alone", libraries
            also = {f"against import {BASELINE}": f"{baseline:.0f} ms ({imported / baseline:.2f}x)"}
        figures.append(
            Figure(
                "cold_start",
                f"import {module}",
                imported,
                "ms",
                against,
                floor,
                TARGET,
                {
                    **also,
                    "median of": f"{rounds} fresh interpreters each, interleaved",
                },
            )
        )
    for name in FUNCTIONS:
        runs = samples[name]
        cold = median([r.import_seconds + r.first for r in runs]) * 1000
        figures.append(
            Figure(
                "cold_start",
                f"{name}: first invocation after import",
                median([r.first for r in runs]) * 1000,
                "ms",
                f"its warm invocation (median of {WARM_CALLS} in the same interpreter)",
                median([r.warm for r in runs]) * 1000,
                None,
                {
                    "import + first invocation": f"{cold:.0f} ms",
                    "median of": f"{rounds} fresh interpreters, DynamoDB Local, SQS stand-in",
                },
            )
        )
    for module in MODULES:
        print("\n".join(importtime_offenders(module)))
    return figures


if __name__ == "__main__":
    run_as_script(run, __doc__)
