"""The two queues: verified webhooks (events) and merchant/automatic work (jobs).

On AWS each is an SQS queue named by an environment variable. Under `make run` and in the tests an
in-process queue is installed in its place (local/queue.py), which hands the consuming handler
SQS-shaped batches: the shipped code only ever sees the ``MessageQueue`` port.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Any, Protocol

import botocore.session

from connector.settings import get_settings


class QueueName(StrEnum):
    EVENTS = "events"
    JOBS = "jobs"


class MessageQueue(Protocol):
    def send(self, body: str, delay_seconds: int = 0) -> None:
        """Queue ``body``; consumers see it no sooner than ``delay_seconds`` from now (SQS: 0-900)."""


class SqsQueue:
    def __init__(self, url: str, client: Any) -> None:
        self._url = url
        self._client = client

    def send(self, body: str, delay_seconds: int = 0) -> None:
        self._client.send_message(QueueUrl=self._url, MessageBody=body, DelaySeconds=delay_seconds)


_installed: dict[QueueName, MessageQueue] = {}


def install(name: QueueName, queue: MessageQueue | None) -> None:
    """Put an in-process queue in place of SQS (local runner and tests), or remove it."""
    if queue is None:
        _installed.pop(name, None)
    else:
        _installed[name] = queue


def installed(name: QueueName) -> MessageQueue | None:
    """The in-process queue installed for ``name``, if any."""
    return _installed.get(name)


def get_queue(name: QueueName) -> MessageQueue:
    return _installed.get(name) or _sqs_queue(name)


@lru_cache(maxsize=2)
def _sqs_queue(name: QueueName) -> SqsQueue:
    settings = get_settings()
    url = settings.events_queue_url if name is QueueName.EVENTS else settings.jobs_queue_url
    if not url:
        raise RuntimeError(f"no {name.value} queue: set {name.value.upper()}_QUEUE_URL")
    # botocore's client, not boto3's: the same SQS client, without boto3 importing s3transfer and
    # multiprocessing (about 45 ms of every cold start).
    return SqsQueue(url, botocore.session.get_session().create_client("sqs", region_name=settings.aws_region))
