"""Processor: applies SQS batches of verified webhooks; failed records go back to the queue alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from connector.observability import Metric, count, logger
from connector.processing.applier import Applier
from connector.queues import QueuedBodies, record_body
from connector.webhooks.envelope import Acceptance
from connector.webhooks.message import QueuedWebhook, Source
from connector.wiring import Ports, entry_point

if TYPE_CHECKING:  # Powertools' typing module is not otherwise loaded: its name is for mypy alone
    from aws_lambda_powertools.utilities.typing import LambdaContext


def lambda_handler_with(ports: Ports, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    applier = Applier(ports)
    parsed = _parse_all(event, ports.queued_bodies)
    messages = list(parsed.values())
    applier.prefetch(messages)
    settled = applier.apply_together(messages)

    def apply_record(record: SQSRecord) -> str:
        # parsed once for the batch; a body that did not parse fails here, as its record's own failure
        message = parsed.get(record.message_id) or QueuedWebhook.model_validate_json(
            record_body(record.raw_event, ports.queued_bodies)
        )
        receives = int(record.attributes.approximate_receive_count)
        if receives == 1:
            # The doors print no line per delivery they queue (a log line per webhook was a tenth
            # of its cost): it is counted here, in the batch's one metrics line, under their metric.
            count(SENT_BY[message.source], per=Acceptance.QUEUED.value)
        # popped: a second copy of a message in the same batch is applied (as a duplicate) on its own
        outcome = settled.pop(message.delivery_id, None) or applier.apply(message, receive_count=receives)
        count(Metric.APPLIED, per=outcome.value)
        logger.debug("applied", source=message.source.value, topic=message.topic, outcome=outcome.value)
        return outcome.value

    # A processor per invocation: it holds the batch's results (local runs invoke from threads).
    processor = BatchProcessor(event_type=EventType.SQS)
    response = process_partial_response(
        event=event, record_handler=apply_record, processor=processor, context=context
    )
    return dict(response)


SENT_BY = {Source.SHOPIFY: Metric.SHOPIFY_WEBHOOK, Source.TIKTOK: Metric.TIKTOK_WEBHOOK}


def _parse_all(event: dict[str, Any], bodies: QueuedBodies | None) -> dict[str, QueuedWebhook]:
    """The batch's messages by SQS message id, in batch order; bodies that do not parse or cannot be
    read (left to fail as their record's own failure) are left out."""
    messages = {}
    for record in event.get("Records", []):
        try:
            body = record_body(record, bodies)
            messages[record["messageId"]] = QueuedWebhook.model_validate_json(body)
        except (ValidationError, ValueError, BotoCoreError, ClientError):
            continue
    return messages


lambda_handler = entry_point(lambda_handler_with)
