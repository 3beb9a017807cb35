"""Jobs: the work behind activities and automatic syncs, one chunk per SQS record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from connector.activities import runner
from connector.jobs import Job
from connector.observability import Metric, count, logger
from connector.wiring import Ports, entry_point

if TYPE_CHECKING:  # annotations only
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext


def lambda_handler_with(ports: Ports, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    def run_record(record: SQSRecord) -> None:
        job = Job.model_validate_json(record.body)
        runner.run(job, ports)
        count(Metric.JOB, per=job.kind.value)
        logger.debug("job done", kind=job.kind.value, shop=job.shop)

    processor = BatchProcessor(event_type=EventType.SQS)  # per invocation: it holds the batch's results
    return dict(
        process_partial_response(event=event, record_handler=run_record, processor=processor, context=context)
    )


lambda_handler = entry_point(lambda_handler_with)
