"""The two queues: verified webhooks (events) and merchant/automatic work (jobs).

On AWS each is an SQS queue whose URL the function's environment names; the composition root
(connector.wiring) builds them. Under `make run` and in the tests it is given in-process queues
instead (local/queue.py), which hand the consuming handler SQS-shaped batches: the shipped code only
ever sees the ``MessageQueue`` port.
"""

from __future__ import annotations

from typing import Any, Protocol

import botocore.session


class MessageQueue(Protocol):
    def send(self, body: str, delay_seconds: int = 0) -> None:
        """Queue ``body``; consumers see it no sooner than ``delay_seconds`` from now (SQS: 0-900)."""


class SqsQueue:
    def __init__(self, url: str, client: Any) -> None:
        self._url = url
        self._client = client

    def send(self, body: str, delay_seconds: int = 0) -> None:
        self._client.send_message(QueueUrl=self._url, MessageBody=body, DelaySeconds=delay_seconds)


def sqs_queue(url: str, region: str) -> SqsQueue:
    # botocore's client, not boto3's: the same SQS client, without boto3 importing s3transfer and
    # multiprocessing (about 45 ms of every cold start).
    return SqsQueue(url, botocore.session.get_session().create_client("sqs", region_name=region))
