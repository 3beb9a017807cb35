"""Schedules: EventBridge Scheduler invokes the scheduler function with {"task": <name>} per job.

Failed invocations are retried, then land in a dead-letter queue (watched by monitoring).
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from constructs import Construct

from connector import schedules as connector_schedules
from infra.components.nag import acknowledge
from infra.components.queues import dead_letter_queue

RETRY_ATTEMPTS = 3
# A tick older than this is dropped: the next one does the same work.
MAX_EVENT_AGE = Duration.minutes(10)


class SchedulesConstruct(Construct):
    def __init__(self, scope: Construct, construct_id: str, function: lambda_.IFunction) -> None:
        super().__init__(scope, construct_id)
        self.dead_letters = dead_letter_queue(self, "DeadLetters", for_what="EventBridge Scheduler's targets")
        # One role for every schedule: invoke this function, send to this dead-letter queue.
        role = iam.Role(
            self,
            "InvokeRole",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
            description="EventBridge Scheduler: invoke the connector's scheduler function",
        )
        function_id = Stack.of(self).resolve(_cfn_function(function).logical_id)
        acknowledge(
            role,
            f"IAM5[Resource::<{function_id}.Arn>:*]",
            "The CDK's invoke grant covers this one function's versions and aliases (ARN:*), nothing else.",
        )
        self.schedules: dict[str, scheduler.Schedule] = {}
        # Every task of the scheduler function's own registry, so nothing is scheduled it cannot do.
        for task in connector_schedules.TASKS.values():
            self.schedules[task.name] = scheduler.Schedule(
                self,
                _pascal(task.name),
                description=f"TikTok Shop connector: {task.name}",
                schedule=scheduler.ScheduleExpression.rate(Duration.minutes(task.minutes)),
                target=targets.LambdaInvoke(
                    function,
                    input=scheduler.ScheduleTargetInput.from_object({"task": task.name}),
                    role=role,
                    dead_letter_queue=self.dead_letters,
                    retry_attempts=RETRY_ATTEMPTS,
                    max_event_age=MAX_EVENT_AGE,
                ),
            )


def _cfn_function(function: lambda_.IFunction) -> lambda_.CfnFunction:
    cfn = function.node.default_child
    assert isinstance(cfn, lambda_.CfnFunction)
    return cfn


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))
