"""Scheduler: EventBridge Scheduler invokes it with {"task": name}, and the scheduled-work queue
hands it that task's fan-out, a page of shops or one shop's run per record (connector/schedules.py)."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from connector import schedules
from connector.wiring import Ports, entry_point


def lambda_handler_with(ports: Ports, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" not in event:  # a tick of the schedule
        task = str(event["task"])
        return {"task": task, "done": schedules.start_task(task, ports, int(time.time()))}

    def run_record(record: SQSRecord) -> None:
        schedules.run_work(schedules.ScheduledWork.model_validate_json(record.body), ports)

    processor = BatchProcessor(event_type=EventType.SQS)  # per invocation: it holds the batch's results
    return dict(
        process_partial_response(event=event, record_handler=run_record, processor=processor, context=context)
    )


lambda_handler = entry_point(lambda_handler_with)
