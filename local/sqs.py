"""SQS and S3 over their real protocol on this machine, and Lambda's SQS event source mapping.

``AwsProtocolServer`` runs moto's server (PyPI ``moto[server]``) as a child process on a free
loopback port, like DynamoDB Local: the connector's own botocore clients send to it through
``AWS_ENDPOINT_URL_SQS`` / ``AWS_ENDPOINT_URL_S3``, as they send to AWS. ``create_queues`` makes the
stack's queues there (visibility timeout, message size, dead-letter queue after maxReceiveCount,
from infra/queue_consumers.py) and the bucket for large bodies.

``EventSourceMapping`` is what Lambda runs between a queue and its function, written here because no
library plays it: pollers long-poll ReceiveMessage, gather a batch (batch size, batching window),
invoke the handler with Lambda's SQS event, delete the records it did not report in
``batchItemFailures`` and leave the others to come back after the visibility timeout; SQS itself moves
a record received more than maxReceiveCount times to the dead-letter queue. At most
``max_concurrency`` invocations run at once, as the mapping's maximum concurrency allows.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

import botocore.session
import requests
from botocore.config import Config

from connector.queues import MAX_MESSAGE_BYTES
from infra.queue_consumers import QueueConsumer
from local.dynamodb import LOCAL_CREDENTIALS, ROOT, free_port
from local.lambda_context import LocalLambdaContext
from local.service import Service, start_child, stop_child

REGION = "us-east-1"
BODIES_BUCKET = "connector-queued-bodies"
Consumer = Callable[[dict[str, Any], Any], dict[str, Any] | None]


class AwsProtocolServer(Service):
    """moto's server on 127.0.0.1 (SQS and S3 are what the connector asks of it)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """What points botocore's SQS and S3 clients (the shipped code's) at this server."""
        return {"AWS_ENDPOINT_URL_SQS": self.endpoint, "AWS_ENDPOINT_URL_S3": self.endpoint}

    def start(self, timeout: float = 30.0) -> Self:
        executable = ROOT / ".venv" / "bin" / "moto_server"
        command = [str(executable) if executable.exists() else "moto_server", "-H", "127.0.0.1"]
        self._process = start_child(
            [*command, "-p", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self._process.returncode}")
            try:
                requests.get(f"{self.endpoint}/moto-api/", timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"moto_server did not answer on port {self.port} within {timeout} s")

    def stop(self) -> None:
        process, self._process = self._process, None
        stop_child(process)

    def client(self, service: str) -> Any:
        return botocore.session.get_session().create_client(
            service,
            region_name=REGION,
            endpoint_url=self.endpoint,
            config=Config(retries={"max_attempts": 2}),
            **LOCAL_CREDENTIALS,
        )


@dataclass(frozen=True)
class LocalQueue:
    name: str
    url: str
    dead_letter_url: str


def create_queues(
    server: AwsProtocolServer, consumers: list[QueueConsumer], visibility_timeout: int | None = None
) -> dict[str, LocalQueue]:
    """The stack's queues, each with its dead-letter queue, and the large-body bucket.

    ``visibility_timeout`` replaces the stack's (six times the function's timeout, minutes) where a
    test wants a failed record back within seconds.
    """
    sqs = server.client("sqs")
    queues = {}
    for consumer in consumers:
        dead = sqs.create_queue(QueueName=f"{consumer.queue}-dead-letters")["QueueUrl"]
        dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        redrive = {"deadLetterTargetArn": dead_arn, "maxReceiveCount": str(consumer.max_receives)}
        attributes = {
            "VisibilityTimeout": str(visibility_timeout or consumer.visibility_timeout_seconds),
            "MaximumMessageSize": str(MAX_MESSAGE_BYTES),
            "RedrivePolicy": json.dumps(redrive),
        }
        url = sqs.create_queue(QueueName=consumer.queue, Attributes=attributes)["QueueUrl"]
        queues[consumer.queue] = LocalQueue(consumer.queue, url, dead)
    server.client("s3").create_bucket(Bucket=BODIES_BUCKET)
    return queues


class EventSourceMapping(Service):
    """Lambda's SQS trigger: ``consumer`` (a function's lambda_handler) fed from ``queue`` as
    ``shape`` (the stack's batch size, window and concurrency) says. Senders reach the queue by its
    URL, through the shipped ``SqsQueue`` (``Ports.events``, ``Ports.jobs``)."""

    # Long-poll wait per ReceiveMessage: short, so that stop() is prompt.
    WAIT_SECONDS = 1

    def __init__(
        self,
        queue: LocalQueue,
        shape: QueueConsumer,
        consumer: Consumer,
        server: AwsProtocolServer,
        pollers: int | None = None,
    ) -> None:
        self.queue = queue
        self.name = queue.name
        self._shape = shape
        self._consumer = consumer
        self._sqs = server.client("sqs")
        self._arn = f"arn:aws:sqs:{REGION}:000000000000:{queue.name}"
        self._stopped = threading.Event()
        self._in_flight = 0
        self._lock = threading.Lock()
        self.invocations = 0
        self.busy_seconds = 0.0  # the function's time, over every invocation
        count = pollers or shape.max_concurrency or 2
        self._threads = [
            threading.Thread(target=self._poll, name=f"esm-{queue.name}-{n}", daemon=True)
            for n in range(count)
        ]

    def start(self) -> Self:
        for thread in self._threads:
            thread.start()
        return self

    def stopping(self) -> None:
        """Take no more batches; stop() then waits for the pollers. Told first, mappings stopped one
        after another wind their long polls down together, not a poll's wait each."""
        self._stopped.set()

    def stop(self) -> None:
        self.stopping()
        for thread in self._threads:
            thread.join(timeout=self.WAIT_SECONDS + 10)

    # --- what tests and the local runner wait on ----------------------------------------------
    def _counts(self, url: str) -> dict[str, int]:
        names = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        answer = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        return {name: int(answer.get(name, 0)) for name in names}

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until no record is waiting, delayed, in flight or invisible after a failure."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                busy = self._in_flight
            if not busy and not any(self._counts(self.queue.url).values()):
                return
            time.sleep(0.05)
        raise TimeoutError(
            f"queue {self.name} is not empty after {timeout} s: {self._counts(self.queue.url)}"
        )

    @property
    def dead_letters(self) -> list[str]:
        """The bodies in the dead-letter queue (read, then made visible again: nothing is taken)."""
        bodies, handles = [], []
        while True:
            answer = self._sqs.receive_message(
                QueueUrl=self.queue.dead_letter_url, MaxNumberOfMessages=10, VisibilityTimeout=30
            )
            messages = answer.get("Messages", [])
            if not messages:
                break
            bodies += [m["Body"] for m in messages]
            handles += [m["ReceiptHandle"] for m in messages]
        for start in range(0, len(handles), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0}
                for i, h in enumerate(handles[start : start + 10])
            ]
            self._sqs.change_message_visibility_batch(QueueUrl=self.queue.dead_letter_url, Entries=entries)
        return bodies

    # --- the mapping --------------------------------------------------------------------------
    def _poll(self) -> None:
        while not self._stopped.is_set():
            try:
                batch = self._gather()
                if batch:
                    self._invoke(batch)
            except Exception:  # noqa: BLE001 - a poller outlives a failed call, as Lambda's does
                if not self._stopped.is_set():
                    traceback.print_exc()
                    time.sleep(0.2)

    def _gather(self) -> list[dict[str, Any]]:
        """One batch: what the first receive brings, then, with a batching window, whatever else
        arrives until the window closes or the batch is full."""
        batch: list[dict[str, Any]] = []
        window_ends = 0.0
        while len(batch) < self._shape.batch_size and not self._stopped.is_set():
            waiting = self.WAIT_SECONDS
            if batch:
                remaining = window_ends - time.monotonic()
                if remaining <= 0:
                    break
                if remaining < 1:  # SQS waits whole seconds: sleep the rest, then take what came
                    time.sleep(remaining)
                waiting = int(remaining) if remaining >= 1 else 0
            answer = self._sqs.receive_message(
                QueueUrl=self.queue.url,
                MaxNumberOfMessages=min(10, self._shape.batch_size - len(batch)),
                WaitTimeSeconds=waiting,
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
            )
            messages = answer.get("Messages", [])
            if messages:
                with self._lock:
                    self._in_flight += len(messages)
                if not batch:
                    window_ends = time.monotonic() + self._shape.batching_window_seconds
            batch += messages
            if batch and not self._shape.batching_window_seconds:
                break  # no window: Lambda invokes with what one receive brought
        return batch

    def _invoke(self, batch: list[dict[str, Any]]) -> None:
        event = {"Records": [self._record(m) for m in batch]}
        with self._lock:
            self.invocations += 1
        try:
            context = LocalLambdaContext(function_name=f"{self._shape.function}-local")
            started = time.perf_counter()
            response = self._consumer(event, context)
            with self._lock:
                self.busy_seconds += time.perf_counter() - started
            failed = {item["itemIdentifier"] for item in (response or {}).get("batchItemFailures", [])}
        except Exception:  # noqa: BLE001 - as on AWS, a crashed invocation fails the whole batch
            traceback.print_exc()
            failed = {m["MessageId"] for m in batch}
        done = [m for m in batch if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(done[start : start + 10])
            ]
            self._sqs.delete_message_batch(QueueUrl=self.queue.url, Entries=entries)
        with self._lock:
            self._in_flight -= len(batch)

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        """A received message as Lambda hands it to the function."""
        attributes = {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        }
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": attributes,
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self._arn,
            "awsRegion": REGION,
        }


def environment(server: AwsProtocolServer, queues: dict[str, LocalQueue]) -> dict[str, str]:
    """The functions' environment for these queues, as the stack sets it on AWS: each queue's URL
    under its name's variable (``scheduled-work`` -> ``SCHEDULED_WORK_QUEUE_URL``), and the bucket."""
    urls = {f"{name.upper().replace('-', '_')}_QUEUE_URL": queue.url for name, queue in queues.items()}
    return {**server.environment(), **urls, "QUEUED_BODIES_BUCKET": BODIES_BUCKET}
