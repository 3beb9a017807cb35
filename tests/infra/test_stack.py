"""The CDK stack reads the same table definition and route table as the local stack."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk
from aws_cdk.assertions import Match, Template

from connector import routes, table_spec
from infra.stack import ConnectorStack


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    dependencies = tmp_path_factory.mktemp("dependencies")
    (dependencies / "python").mkdir()
    app = cdk.App(outdir=str(tmp_path_factory.mktemp("cdk.out")))
    return Template.from_stack(ConnectorStack(app, "Test", dependencies_dir=Path(dependencies)))


def test_table_has_the_shared_keys_indexes_and_ttl(template: Template) -> None:
    tables = template.find_resources("AWS::DynamoDB::GlobalTable")
    assert len(tables) == 1
    props: dict[str, Any] = next(iter(tables.values()))["Properties"]
    request = table_spec.create_table_request("any")

    assert props["KeySchema"] == request["KeySchema"]
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(request["AttributeDefinitions"], key=str)
    indexes = {i["IndexName"]: i["KeySchema"] for i in props["GlobalSecondaryIndexes"]}
    assert indexes == {i["IndexName"]: i["KeySchema"] for i in request["GlobalSecondaryIndexes"]}
    assert props["TimeToLiveSpecification"] == {"AttributeName": table_spec.TTL_ATTRIBUTE, "Enabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    replica = props["Replicas"][0]
    assert replica["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert replica["DeletionProtectionEnabled"] is True


def test_api_methods_are_exactly_the_route_table(template: Template) -> None:
    resources = template.find_resources("AWS::ApiGateway::Resource")

    def full_path(logical_id: str) -> str:
        props = resources[logical_id]["Properties"]
        parent = props["ParentId"]
        prefix = full_path(parent["Ref"]) if "Ref" in parent else ""
        return f"{prefix}/{props['PathPart']}"

    methods = template.find_resources("AWS::ApiGateway::Method")
    deployed = {
        (m["Properties"]["HttpMethod"], full_path(m["Properties"]["ResourceId"]["Ref"]))
        for m in methods.values()
    }
    assert deployed == {(r.method, r.path) for r in routes.ROUTES}


def test_functions_run_arm64_python_with_json_logs_and_the_table_name(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Architectures": ["arm64"],
            "Runtime": Match.string_like_regexp(r"python3\.1[3-9]"),
            "Handler": "handler.lambda_handler",
            "LoggingConfig": {"LogFormat": "JSON", "LogGroup": Match.any_value()},
            "TracingConfig": {"Mode": "Active"},
            "Environment": {"Variables": Match.object_like({"TABLE_NAME": Match.any_value()})},
        },
    )


def _role_actions(template: Template, function_logical_prefix: str) -> set[str]:
    """Every IAM action granted to the role of the function whose logical id starts with the prefix."""
    functions = template.find_resources("AWS::Lambda::Function")
    (logical_id,) = [
        k for k in functions if k.startswith(function_logical_prefix) and "LogRetention" not in k
    ]
    role_ref = functions[logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    actions: set[str] = set()
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role_ref} not in policy["Properties"]["Roles"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            granted = statement["Action"]
            actions.update([granted] if isinstance(granted, str) else granted)
    return actions


def test_each_function_gets_only_the_actions_it_uses(template: Template) -> None:
    table_reads = {"dynamodb:GetItem"}
    send = {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
    read_secret = {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
    tracing = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    assert _role_actions(template, "ShopifyWebhook") == table_reads | send | read_secret | tracing
    assert _role_actions(template, "TiktokWebhook") == table_reads | send | read_secret | tracing
    assert _role_actions(template, "Dashboard") == {"dynamodb:DescribeTable"} | tracing
    processor = _role_actions(template, "Processor")
    assert "dynamodb:Scan" not in processor and "dynamodb:DeleteTable" not in processor
    assert {
        "dynamodb:ConditionCheckItem",
        "dynamodb:UpdateItem",
        "sqs:DeleteMessage",
        "sqs:SendMessage",
    } <= processor


def test_queues_redrive_to_dead_letter_queues_after_five_receives(template: Template) -> None:
    queues = template.find_resources("AWS::SQS::Queue")
    redriven = [
        q["Properties"]["RedrivePolicy"] for q in queues.values() if "RedrivePolicy" in q["Properties"]
    ]
    assert len(redriven) == 2  # events and jobs
    assert all(policy["maxReceiveCount"] == 5 for policy in redriven)


def test_processor_reads_events_in_batches_with_partial_failures(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {"BatchSize": 10, "FunctionResponseTypes": ["ReportBatchItemFailures"]},
    )


def test_no_secret_value_is_an_environment_variable(template: Template) -> None:
    for function in template.find_resources("AWS::Lambda::Function").values():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        for name in variables:
            assert not name.endswith(("_SECRET", "_KEY")) or name in {"SHOPIFY_API_KEY", "TIKTOK_APP_KEY"}, (
                name
            )
