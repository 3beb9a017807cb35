"""The two queues: verified webhooks (events) and merchant/automatic work (jobs).

On AWS each is an SQS queue whose URL the function's environment names; the composition root
(connector.wiring) builds them. `make run` and the protocol tests serve the same SQS API from a local
server (local/sqs.py), so this code sends there exactly as it sends on AWS; the faster unit and
integration tests hand the consumers in-process queues instead (local/queue.py). The shipped code only
ever sees the ``MessageQueue`` port.

A body larger than a queue message may be goes to S3 and the message carries a pointer to it, in
the format of AWS's SQS extended clients (``["software.amazon.payloadoffloading.PayloadS3Pointer",
{"s3BucketName", "s3Key"}]`` with the ``ExtendedPayloadSize`` attribute). Those libraries resolve
the pointer in ``receive_message``, which a Lambda consumer never calls (its event source mapping
receives for it), and the Python one patches boto3 (about 45 ms more per cold start than botocore
alone), so the few lines of both sides are written here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any, Protocol

import botocore.session

# SendMessageBatch takes at most ten entries.
BATCH_ENTRIES = 10
# The queues' MaximumMessageSize (the stack sets it; the local server's queues too). SQS admits up
# to 1 MiB, but a Lambda batch of 10 such records would pass the 6 MB invocation payload limit;
# 10 x 256 KiB does not.
MAX_MESSAGE_BYTES = 262_144
POINTER_CLASS = "software.amazon.payloadoffloading.PayloadS3Pointer"
SIZE_ATTRIBUTE = "ExtendedPayloadSize"
BODY_KEY_PREFIX = "queued/"  # the bucket's lifecycle rule expires what is under it


class MessageQueue(Protocol):
    def send(self, body: str, delay_seconds: int = 0) -> None:
        """Queue ``body``; consumers see it no sooner than ``delay_seconds`` from now (SQS: 0-900)."""


class MessageTooLargeError(ValueError):
    """A body past the queue's message size, with no bucket to hold it."""


def _client(service: str, region: str) -> Any:
    # botocore's client, not boto3's: the same client, without boto3 importing s3transfer and
    # multiprocessing (about 45 ms of every cold start). AWS_ENDPOINT_URL_<SERVICE> points it at a
    # local server, as botocore reads that for every client.
    return botocore.session.get_session().create_client(service, region_name=region)


class QueuedBodies:
    """The bucket that holds bodies too large for a message; its client is made on first use, so
    the functions that never meet a large body never pay for it."""

    def __init__(self, bucket: str, region: str) -> None:
        self.bucket = bucket
        self._region = region

    @cached_property
    def _s3(self) -> Any:
        return _client("s3", self._region)

    def put(self, body: bytes) -> str:
        key = f"{BODY_KEY_PREFIX}{uuid.uuid4()}"
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        return key

    def get(self, bucket: str, key: str) -> str:
        if bucket != self.bucket:  # a pointer names only the bucket this function may read
            raise ValueError("the message points into another bucket")
        return str(self._s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))


class SqsQueue:
    def __init__(self, url: str, client: Any, bodies: QueuedBodies | None = None) -> None:
        self._url = url
        self._client = client
        self._bodies = bodies

    def send(self, body: str, delay_seconds: int = 0) -> None:
        encoded = body.encode("utf-8")
        if len(encoded) <= MAX_MESSAGE_BYTES:
            self._client.send_message(QueueUrl=self._url, MessageBody=body, DelaySeconds=delay_seconds)
            return
        if self._bodies is None:
            raise MessageTooLargeError(f"a {len(encoded)}-byte message and no bucket for large bodies")
        key = self._bodies.put(encoded)
        pointer = [POINTER_CLASS, {"s3BucketName": self._bodies.bucket, "s3Key": key}]
        self._client.send_message(
            QueueUrl=self._url,
            MessageBody=json.dumps(pointer),
            DelaySeconds=delay_seconds,
            MessageAttributes={SIZE_ATTRIBUTE: {"DataType": "Number", "StringValue": str(len(encoded))}},
        )

    def send_batch(self, messages: Sequence[tuple[str, int]]) -> list[bool]:
        """Each (body, delay) queued, ten to a SendMessageBatch and at most MAX_MESSAGE_BYTES to a
        request (the queue's limit for a batch's total too); a body too large for a message goes
        alone, through the bucket. Which were queued: an entry SQS refused is False."""
        sent = [False] * len(messages)
        chunk: list[int] = []
        chunk_bytes = 0

        def flush() -> None:
            if not chunk:
                return
            entries = [
                {"Id": str(i), "MessageBody": messages[i][0], "DelaySeconds": messages[i][1]} for i in chunk
            ]
            answer = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)
            for entry in answer.get("Successful", []):
                sent[int(entry["Id"])] = True
            chunk.clear()

        for i, (body, delay) in enumerate(messages):
            size = len(body.encode("utf-8"))
            if size > MAX_MESSAGE_BYTES:
                self.send(body, delay)
                sent[i] = True
                continue
            if len(chunk) == BATCH_ENTRIES or chunk_bytes + size > MAX_MESSAGE_BYTES:
                flush()
                chunk_bytes = 0
            chunk.append(i)
            chunk_bytes += size
        flush()
        return sent


def send_all(queue: MessageQueue, messages: Sequence[tuple[str, int]]) -> list[bool]:
    """Queue each (body, delay); which were queued. SQS takes them ten to a request; another queue
    (in-process, locally) one by one."""
    if isinstance(queue, SqsQueue):
        return queue.send_batch(messages)
    for body, delay in messages:
        queue.send(body, delay)
    return [True] * len(messages)


def record_body(record: Mapping[str, Any], bodies: QueuedBodies | None) -> str:
    """A Lambda SQS record's body: its own, or the one its pointer names in the bucket."""
    body = str(record.get("body", ""))
    if SIZE_ATTRIBUTE not in (record.get("messageAttributes") or {}):
        return body
    if bodies is None:
        raise MessageTooLargeError("a pointer to a large body, and no bucket configured to read it")
    kind, where = json.loads(body)
    if kind != POINTER_CLASS:
        raise ValueError(f"not a payload pointer: {kind}")
    return bodies.get(str(where["s3BucketName"]), str(where["s3Key"]))


def sqs_queue(url: str, region: str, bodies: QueuedBodies | None = None) -> SqsQueue:
    return SqsQueue(url, _client("sqs", region), bodies)
