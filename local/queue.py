"""An in-process stand-in for an SQS queue with a Lambda consumer, its retries and its DLQ, for
tests that need speed more than the protocol (local/sqs.py serves the real one).

Messages sent to it are handed to the consumer (a real handler module's lambda_handler) in
SQS-shaped batches of up to ``batch_size`` records, by ``workers`` concurrent invocations (Lambda's
concurrency; one unless told). Records the consumer reports in
``batchItemFailures`` (or every record, if it raises) come back after ``retry_delay`` with their
receive count raised; after ``max_receives`` receives they move to the dead-letter list, as SQS's
redrive policy does.
"""

from __future__ import annotations

import hashlib
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connector.queues import MAX_MESSAGE_BYTES, MessageTooLargeError
from local.lambda_context import LocalLambdaContext

Consumer = Callable[[dict[str, Any], Any], dict[str, Any] | None]


@dataclass
class _Message:
    body: str
    message_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    receives: int = 0
    sent_at: float = field(default_factory=time.time)
    visible_at: float = 0.0


class InProcessQueue:
    def __init__(
        self,
        name: str,
        consumer: Consumer,
        batch_size: int = 10,
        max_receives: int = 5,
        retry_delay: float = 0.2,
        batch_window: float = 0.02,
        workers: int = 1,
    ) -> None:
        self.name = name
        self._consumer = consumer
        self._batch_size = batch_size
        self._max_receives = max_receives
        self._retry_delay = retry_delay
        self._batch_window = batch_window
        self._ready: deque[_Message] = deque()
        self._in_flight = 0
        self._condition = threading.Condition()
        self._stopped = False
        self._paused = False
        self.dead_letters: list[str] = []
        self._workers = [
            threading.Thread(target=self._run, name=f"queue-{name}-{n}", daemon=True) for n in range(workers)
        ]

    # --- the MessageQueue port ---------------------------------------------------------------
    def send(self, body: str, delay_seconds: int = 0) -> None:
        size = len(body.encode())
        if size > MAX_MESSAGE_BYTES:  # refused as SQS refuses it, not kept
            raise MessageTooLargeError(f"a {size}-byte message; the queue takes {MAX_MESSAGE_BYTES}")
        with self._condition:
            self._ready.append(_Message(body, visible_at=time.monotonic() + delay_seconds))
            self._condition.notify_all()

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> InProcessQueue:
        for worker in self._workers:
            worker.start()
        return self

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify_all()
        for worker in self._workers:
            worker.join(timeout=10)

    def pause(self) -> None:
        """Keep accepting messages but hand none over until resume() (like a throttled consumer)."""
        with self._condition:
            self._paused = True

    def resume(self) -> None:
        with self._condition:
            self._paused = False
            self._condition.notify_all()

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every message was consumed or dead-lettered (tests and the demo replay)."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._ready or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"queue {self.name} still has {len(self._ready)} messages")
                self._condition.wait(min(remaining, 0.05))

    # --- the consumer loop -------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            failed_ids = self._deliver(batch)
            with self._condition:
                for message in batch:
                    if message.message_id not in failed_ids:
                        continue
                    if message.receives >= self._max_receives:
                        self.dead_letters.append(message.body)
                    else:
                        message.visible_at = time.monotonic() + self._retry_delay
                        self._ready.append(message)
                self._in_flight -= len(batch)
                self._condition.notify_all()

    def _next_batch(self) -> list[_Message] | None:
        with self._condition:
            while True:
                if self._stopped:
                    return None
                now = time.monotonic()
                visible = [] if self._paused else [m for m in self._ready if m.visible_at <= now]
                if visible:
                    break
                self._condition.wait(0.05)
            if len(visible) < self._batch_size:  # like a batching window: let a burst gather
                self._condition.wait(self._batch_window)
                visible = [m for m in self._ready if m.visible_at <= time.monotonic()]
            batch = visible[: self._batch_size]
            for message in batch:
                self._ready.remove(message)
                message.receives += 1
            self._in_flight += len(batch)
            return batch

    def _deliver(self, batch: list[_Message]) -> set[str]:
        event = {"Records": [self._record(m) for m in batch]}
        try:
            response = self._consumer(event, LocalLambdaContext(function_name=f"{self.name}-consumer"))
        except Exception:  # noqa: BLE001 - as on AWS, a crashed invocation fails the whole batch
            traceback.print_exc()
            return {m.message_id for m in batch}
        failures = (response or {}).get("batchItemFailures", [])
        return {item["itemIdentifier"] for item in failures}

    def _record(self, message: _Message) -> dict[str, Any]:
        return {
            "messageId": message.message_id,
            "receiptHandle": f"local-{message.message_id}-{message.receives}",
            "body": message.body,
            "attributes": {
                "ApproximateReceiveCount": str(message.receives),
                "SentTimestamp": str(int(message.sent_at * 1000)),
                "SenderId": "local",
                "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000)),
            },
            "messageAttributes": {},
            "md5OfBody": hashlib.md5(message.body.encode()).hexdigest(),  # noqa: S324 - SQS's own field
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:us-east-1:000000000000:{self.name}",
            "awsRegion": "us-east-1",
        }


class RecordingQueue:
    """A queue whose consumer is not running here: it keeps what was sent, in order, for a test or
    for the local runner to show."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.messages: list[str] = []

    def send(self, body: str, delay_seconds: int = 0) -> None:
        with self._lock:
            self.messages.append(body)

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
