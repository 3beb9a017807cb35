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
