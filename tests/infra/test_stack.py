"""The CDK stack: what each function may do, how failures are kept and watched, what is public.

The app is synthesized once per module with every optional part present (the page, the Shopify
partner event source), through the same AwsSolutions checks as `make synth`; the tests read the
template it wrote.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk.assertions import Match, Template
from cfnlint.api import lint

from connector import routes, table_spec
from connector.queues import BODY_KEY_PREFIX, MAX_MESSAGE_BYTES
from connector.secrets import Secret
from infra.app import checked_app
from infra.build import Assets, Code
from infra.components import schedules
from infra.queue_consumers import EVENTS, JOBS, SCHEDULED_WORK, SYNCS
from infra.stack import ConnectorStack

FUNCTIONS = ("dashboard", "shopify_webhook", "tiktok_webhook", "processor", "jobs", "scheduler")
CONTEXT = {
    "shopifyApiKey": "test-client-id",
    "tiktokAppKey": "test-app-key",
    "tiktokServiceId": "7000000000000000009",
    "shopifyPartnerEventSource": "aws.partner/shopify.com/1234/tiktok-connector",
    # The deploy-time addresses shopify.app.toml needs (the template holds only tokens for them).
    "shopifyWebhookUrl": "https://shopify-door.lambda-url.us-east-1.on.aws",
    "dashboardUrl": "https://app.connector.example",
    "shopifyScopes": "read_products,read_inventory,read_orders,write_orders",
}
STACK = "Test"


@dataclass(frozen=True)
class Synthesized:
    template: Template
    raw: dict[str, Any]
    text: str
    outdir: Path
    failure: str | None  # what synthesis raised (cdk-nag findings stop it), else None


# A stand-in for each module's bytecode in the built folders (infra/build.py): the assets must keep it.
BYTECODE = Path("__pycache__") / "handler.cpython-314.pyc"


def _functions_dir(root: Path, names: tuple[str, ...]) -> Path:
    for name in names:
        (root / name / BYTECODE.parent).mkdir(parents=True)
        (root / name / "handler.py").write_text("def lambda_handler(event, context):\n    return None\n")
        (root / name / BYTECODE).write_bytes(f"{name}'s bytecode".encode())  # one asset each
    return root


def _synthesize(tmp: pytest.TempPathFactory, names: tuple[str, ...], context: dict[str, str]) -> Synthesized:
    dependencies, connector = tmp.mktemp("dependencies"), tmp.mktemp("connector")
    (dependencies / "python").mkdir()
    (connector / "python" / BYTECODE.parent).mkdir(parents=True)
    (connector / "python" / BYTECODE).write_bytes(b"bytecode")
    web = tmp.mktemp("web")
    (web / "index.html").write_text("<!doctype html><title>dashboard</title>")
    outdir = tmp.mktemp("cdk.out")
    app = checked_app(str(outdir), context)
    ConnectorStack(
        app,
        STACK,
        assets=Assets(dependencies, Code(connector, _functions_dir(tmp.mktemp("functions"), names))),
        web_dir=web,
    )
    failure = None
    try:
        app.synth()
    except RuntimeError as error:  # the template is written before the validation report stops synth
        failure = str(error)
    text = (outdir / f"{STACK}.template.json").read_text()
    raw = json.loads(text)
    return Synthesized(Template.from_json(raw), raw, text, outdir, failure)


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return _synthesize(tmp_path_factory, FUNCTIONS, CONTEXT)


@pytest.fixture(scope="module")
def template(synthesized: Synthesized) -> Template:
    return synthesized.template


# --- helpers ---------------------------------------------------------------------------------------


def _function_id(template: Template, service: str) -> str:
    """The logical id of the connector function whose POWERTOOLS_SERVICE_NAME is ``service``."""
    functions = template.find_resources("AWS::Lambda::Function")
    (logical_id,) = [
        k
        for k, f in functions.items()
        if f["Properties"].get("Environment", {}).get("Variables", {}).get("POWERTOOLS_SERVICE_NAME")
        == service
    ]
    return logical_id


def _statements(template: Template, service: str) -> list[dict[str, Any]]:
    """Every statement of every policy attached to the function's role."""
    functions = template.find_resources("AWS::Lambda::Function")
    role_ref = functions[_function_id(template, service)]["Properties"]["Role"]["Fn::GetAtt"][0]
    found = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role_ref} in policy["Properties"]["Roles"]:
            found.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    roles = template.find_resources("AWS::IAM::Role")
    assert "ManagedPolicyArns" not in roles[role_ref]["Properties"], "no managed policy on function roles"
    return found


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_actions(template: Template, service: str) -> set[str]:
    """Every IAM action granted to the role of the function."""
    return {a for s in _statements(template, service) for a in _listed(s["Action"])}


def _resources_of(template: Template, service: str, prefix: str) -> list[Any]:
    """The resources of the statements granting actions that start with ``prefix``."""
    return [
        r
        for s in _statements(template, service)
        if any(a.startswith(prefix) for a in _listed(s["Action"]))
        for r in _listed(s["Resource"])
    ]


def _logical_id(template: Template, type_: str, prefix: str) -> str:
    (found,) = [k for k in template.find_resources(type_) if k.startswith(prefix)]
    return found


def _variables(template: Template, service: str) -> dict[str, Any]:
    functions = template.find_resources("AWS::Lambda::Function")
    variables: dict[str, Any] = functions[_function_id(template, service)]["Properties"]["Environment"][
        "Variables"
    ]
    return variables


# --- data ------------------------------------------------------------------------------------------


def test_table_has_the_shared_keys_indexes_ttl_and_pitr(template: Template) -> None:
    tables = template.find_resources("AWS::DynamoDB::GlobalTable")
    assert len(tables) == 1
    (table,) = tables.values()
    props: dict[str, Any] = table["Properties"]
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
    assert table["DeletionPolicy"] == "Retain"


# --- functions -------------------------------------------------------------------------------------


def test_the_assets_keep_the_bytecode_the_build_wrote(synthesized: Synthesized) -> None:
    assets = [path for path in synthesized.outdir.glob("asset.*") if path.is_dir()]
    with_bytecode = [
        path for path in assets if (path / BYTECODE).exists() or (path / "python" / BYTECODE).exists()
    ]
    assert len(with_bytecode) == len(FUNCTIONS) + 1  # every function and the connector layer


def test_every_connector_function_runs_arm64_python_with_json_logs_and_tracing(template: Template) -> None:
    functions = template.find_resources("AWS::Lambda::Function")
    log_groups = template.find_resources("AWS::Logs::LogGroup")
    for service in FUNCTIONS:
        props = functions[_function_id(template, service)]["Properties"]
        assert props["Architectures"] == ["arm64"]
        assert props["Runtime"] == "python3.14"
        assert props["Handler"] == "handler.lambda_handler"
        # Traced but the doors (one invocation per webhook): they pass through a caller's decision.
        door = service in ("shopify_webhook", "tiktok_webhook")
        assert props["TracingConfig"] == {"Mode": "PassThrough" if door else "Active"}
        assert props["LoggingConfig"]["LogFormat"] == "JSON"
        # No START/END/REPORT per invocation; application lines at INFO, where EMF metrics are filed.
        assert props["LoggingConfig"]["ApplicationLogLevel"] == "INFO"
        assert props["LoggingConfig"]["SystemLogLevel"] == "WARN"
        log_group = props["LoggingConfig"]["LogGroup"]["Ref"]
        assert log_groups[log_group]["Properties"]["RetentionInDays"] == 30
        assert len(props["Layers"]) == 2


def test_each_function_gets_exactly_the_table_actions_its_code_calls(template: Template) -> None:
    logs = {"logs:CreateLogStream", "logs:PutLogEvents"}
    tracing = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    read_secret = {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
    send = {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
    consume = {"sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage"}
    consume |= {"sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
    always = logs | tracing | read_secret
    read_write = {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    }

    put_body, get_body = {"s3:PutObject"}, {"s3:GetObject"}  # bodies too large for a message
    # The doors read no table: the processor decides which shop a delivery is for.
    assert _role_actions(template, "shopify_webhook") == always | send | put_body
    assert _role_actions(template, "tiktok_webhook") == always | send | put_body
    assert _role_actions(template, "dashboard") == always | send | read_write | {
        "dynamodb:DescribeTable",  # GET /health
        "dynamodb:DeleteItem",  # OAuth states are single use
    }
    delete = {"dynamodb:DeleteItem"}  # quota holds, sync claims, links of listings gone from TikTok
    assert _role_actions(
        template, "processor"
    ) == always | send | consume | get_body | read_write | delete | {
        "dynamodb:BatchWriteItem"  # shop/redact erasure
    }
    assert _role_actions(template, "jobs") == always | send | consume | read_write | delete
    # no Scan; consumes its own fan-out (scheduled work)
    assert _role_actions(template, "scheduler") == always | send | consume | read_write | delete


def test_only_the_functions_that_list_by_index_reach_the_indexes(template: Template) -> None:
    table = _logical_id(template, "AWS::DynamoDB::GlobalTable", "DataTable")
    table_arn = {"Fn::GetAtt": [table, "Arn"]}
    index_arns = {"Fn::Join": ["", [table_arn, "/index/*"]]}
    for service in FUNCTIONS:
        resources = _resources_of(template, service, "dynamodb:")
        expected = [table_arn, index_arns] if service in ("dashboard", "jobs", "scheduler") else [table_arn]
        if service in ("shopify_webhook", "tiktok_webhook"):
            expected = []
        assert resources == expected, service


def test_each_function_reads_only_its_secrets_and_is_told_their_arns(template: Template) -> None:
    secrets = template.find_resources("AWS::SecretsManager::Secret")
    by_name = {}
    for logical_id, secret in secrets.items():
        name = next(s for s in Secret if secret["Properties"]["Description"].endswith(s.value))
        by_name[name] = {"Ref": logical_id}
    wanted = {
        "dashboard": set(Secret),
        "shopify_webhook": {Secret.SHOPIFY_API_SECRET},
        "tiktok_webhook": {Secret.TIKTOK_APP_SECRET},
        "processor": {Secret.TIKTOK_APP_SECRET, Secret.TOKEN_ENCRYPTION_KEY},
        "jobs": {Secret.SHOPIFY_API_SECRET, Secret.TIKTOK_APP_SECRET, Secret.TOKEN_ENCRYPTION_KEY},
        "scheduler": {Secret.TIKTOK_APP_SECRET, Secret.TOKEN_ENCRYPTION_KEY},
    }
    for service, names in wanted.items():
        granted = _resources_of(template, service, "secretsmanager:")
        assert sorted(map(str, granted)) == sorted(str(by_name[n]) for n in names), service
        variables = _variables(template, service)
        assert {k: v for k, v in variables.items() if k.endswith("_ARN")} == {
            f"{n.value}_ARN": by_name[n] for n in names
        }, service


def test_each_function_sends_only_to_its_queue(template: Template) -> None:
    events = {"Fn::GetAtt": [_logical_id(template, "AWS::SQS::Queue", "QueuesEvents3"), "Arn"]}
    jobs = {"Fn::GetAtt": [_logical_id(template, "AWS::SQS::Queue", "QueuesJobs4"), "Arn"]}
    syncs = {"Fn::GetAtt": [_logical_id(template, "AWS::SQS::Queue", "QueuesSyncsC"), "Arn"]}
    (work_id,) = [
        k
        for k in template.find_resources("AWS::SQS::Queue")
        if k.startswith("QueuesScheduledWork") and "DeadLetters" not in k
    ]
    scheduled_work = {"Fn::GetAtt": [work_id, "Arn"]}
    sends = {"shopify_webhook": [events], "tiktok_webhook": [events], "dashboard": [jobs, syncs]}
    # The jobs function sends its next chunks to the queues it consumes; the scheduler its fan-out.
    sends |= {"processor": [jobs, syncs], "scheduler": [jobs, syncs, scheduled_work], "jobs": [jobs, syncs]}
    for service, queues in sends.items():
        assert _resources_of(template, service, "sqs:SendMessage") == queues, service


def test_each_function_gets_exactly_its_environment(template: Template) -> None:
    common = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "TABLE_NAME"}
    identity = {"SHOPIFY_API_KEY", "TIKTOK_APP_KEY"}
    secrets = {
        "dashboard": {f"{s.value}_ARN" for s in Secret},
        "shopify_webhook": {"SHOPIFY_API_SECRET_ARN"},
        "tiktok_webhook": {"TIKTOK_APP_SECRET_ARN"},
        "processor": {"TIKTOK_APP_SECRET_ARN", "TOKEN_ENCRYPTION_KEY_ARN"},
        "jobs": {"SHOPIFY_API_SECRET_ARN", "TIKTOK_APP_SECRET_ARN", "TOKEN_ENCRYPTION_KEY_ARN"},
        "scheduler": {"TIKTOK_APP_SECRET_ARN", "TOKEN_ENCRYPTION_KEY_ARN"},
    }
    own = {
        "dashboard": {
            "JOBS_QUEUE_URL",
            "SYNCS_QUEUE_URL",
            "PUBLIC_API_URL",
            "DASHBOARD_ORIGIN",
            "TIKTOK_SERVICE_ID",
        },
        "shopify_webhook": {"EVENTS_QUEUE_URL", "QUEUED_BODIES_BUCKET"},
        "tiktok_webhook": {"EVENTS_QUEUE_URL", "QUEUED_BODIES_BUCKET"},
        "processor": {"JOBS_QUEUE_URL", "SYNCS_QUEUE_URL", "QUEUED_BODIES_BUCKET"},
        "jobs": {"JOBS_QUEUE_URL", "SYNCS_QUEUE_URL"},
        "scheduler": {"JOBS_QUEUE_URL", "SYNCS_QUEUE_URL", "SCHEDULED_WORK_QUEUE_URL"},
    }
    for service in ("dashboard", "jobs", "scheduler"):  # they register TikTok's webhooks
        own[service].add("TIKTOK_WEBHOOK_URL")
    doors = ("shopify_webhook", "tiktok_webhook")  # they read no table
    for service in FUNCTIONS:
        variables = _variables(template, service)
        table = set() if service in doors else {"TABLE_NAME"}
        assert set(variables) == common - {"TABLE_NAME"} | table | identity | secrets[service] | own[service]
        assert variables["POWERTOOLS_SERVICE_NAME"] == service
        assert variables["SHOPIFY_API_KEY"] == CONTEXT["shopifyApiKey"]
        assert variables["TIKTOK_APP_KEY"] == CONTEXT["tiktokAppKey"]
        if table:
            assert variables["TABLE_NAME"] == {
                "Ref": _logical_id(template, "AWS::DynamoDB::GlobalTable", "Data")
            }


def test_dashboard_knows_the_api_url_and_the_page_origin(template: Template) -> None:
    variables = _variables(template, "dashboard")
    assert variables["TIKTOK_SERVICE_ID"] == CONTEXT["tiktokServiceId"]
    api = _logical_id(template, "AWS::ApiGateway::RestApi", "ApiRestApi")
    distribution = _logical_id(template, "AWS::CloudFront::Distribution", "Hosting")
    public_url = json.dumps(variables["PUBLIC_API_URL"])
    assert f'{{"Ref": "{api}"}}' in public_url
    assert public_url.endswith('"/prod"]]}')  # no trailing slash: callers append "/auth/..."
    assert variables["DASHBOARD_ORIGIN"] == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution, "DomainName"]}]]
    }


def test_no_secret_value_is_an_environment_variable(template: Template) -> None:
    for function in template.find_resources("AWS::Lambda::Function").values():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        for name in variables:
            assert not name.endswith(("_SECRET", "_KEY")) or name in {"SHOPIFY_API_KEY", "TIKTOK_APP_KEY"}, (
                name
            )


# --- queues and consumers --------------------------------------------------------------------------


def test_work_queues_are_shaped_as_the_local_mapping_plays_them(template: Template) -> None:
    """Redrive after five receives, six times the consumer's timeout, 256 KiB messages: the values
    of infra/queue_consumers.py, which local/sqs.py gives the queues it serves too."""
    queues = template.find_resources("AWS::SQS::Queue")
    for name, consumer in (
        ("Events", EVENTS),
        ("Jobs", JOBS),
        ("Syncs", SYNCS),
        ("ScheduledWork", SCHEDULED_WORK),
    ):
        (work,) = [
            q["Properties"]
            for k, q in queues.items()
            if k.startswith(f"Queues{name}") and "DeadLetters" not in k
        ]
        dead = _logical_id(template, "AWS::SQS::Queue", f"Queues{name}DeadLetters")
        assert work["RedrivePolicy"] == {
            "deadLetterTargetArn": {"Fn::GetAtt": [dead, "Arn"]},
            "maxReceiveCount": consumer.max_receives,
        }
        assert work["VisibilityTimeout"] == 6 * consumer.timeout_seconds
        assert work["MaximumMessageSize"] == MAX_MESSAGE_BYTES == 262_144
        assert queues[dead]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
    functions = template.find_resources("AWS::Lambda::Function")
    assert functions[_function_id(template, "processor")]["Properties"]["Timeout"] == EVENTS.timeout_seconds
    assert functions[_function_id(template, "jobs")]["Properties"]["Timeout"] == JOBS.timeout_seconds


def test_processor_jobs_and_scheduler_consume_in_batches_with_partial_failures(template: Template) -> None:
    (processor,) = [
        m["Properties"]
        for m in template.find_resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"]["Ref"] == _function_id(template, "processor")
    ]
    assert processor["BatchSize"] == EVENTS.batch_size == 10
    assert processor["MaximumBatchingWindowInSeconds"] == EVENTS.batching_window_seconds
    assert processor["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert processor["EventSourceArn"]["Fn::GetAtt"][0].startswith("QueuesEvents")
    jobs_function = _function_id(template, "jobs")
    for name, consumer, function in (
        ("QueuesJobs", JOBS, jobs_function),
        ("QueuesSyncs", SYNCS, jobs_function),
        ("QueuesScheduledWork", SCHEDULED_WORK, _function_id(template, "scheduler")),
    ):
        (mapping,) = [
            m["Properties"]
            for m in template.find_resources("AWS::Lambda::EventSourceMapping").values()
            if m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0].startswith(name)
        ]
        assert mapping["FunctionName"]["Ref"] == function
        assert mapping["BatchSize"] == consumer.batch_size
        assert "MaximumBatchingWindowInSeconds" not in mapping and consumer.batching_window_seconds == 0
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["ScalingConfig"] == {"MaximumConcurrency": consumer.max_concurrency}
    assert len(template.find_resources("AWS::Lambda::EventSourceMapping")) == 4


def test_large_bodies_wait_in_a_private_bucket_that_expires_them(template: Template) -> None:
    bucket_id = _logical_id(template, "AWS::S3::Bucket", "QueuesQueuedBodies")
    props = template.find_resources("AWS::S3::Bucket")[bucket_id]["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert rule == {"ExpirationInDays": 15, "Prefix": BODY_KEY_PREFIX, "Status": "Enabled"}
    objects = {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, f"/{BODY_KEY_PREFIX}*"]]}
    for door in ("shopify_webhook", "tiktok_webhook"):
        assert _resources_of(template, door, "s3:") == [objects]
    assert _resources_of(template, "processor", "s3:") == [objects]


def test_shopify_partner_events_reach_the_webhook_function_with_retries_and_a_dlq(
    template: Template,
) -> None:
    template.has_resource_properties(
        "AWS::Events::EventBus", {"EventSourceName": CONTEXT["shopifyPartnerEventSource"]}
    )
    (rule,) = template.find_resources("AWS::Events::Rule").values()
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [_function_id(template, "shopify_webhook"), "Arn"]}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 8}
    assert target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0].startswith("ShopifyPartnerEventsFailed")


# --- schedules -------------------------------------------------------------------------------------


def test_one_schedule_per_task_invokes_the_scheduler_with_its_task(template: Template) -> None:
    scheduler = {"Fn::GetAtt": [_function_id(template, "scheduler"), "Arn"]}
    found = {}
    for schedule in template.find_resources("AWS::Scheduler::Schedule").values():
        props = schedule["Properties"]
        assert props["Target"]["Arn"] == scheduler
        assert props["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == schedules.RETRY_ATTEMPTS
        assert props["Target"]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0].startswith("SchedulesDeadLetters")
        assert props["State"] == "ENABLED"
        found[json.loads(props["Target"]["Input"])["task"]] = props["ScheduleExpression"]
    assert found == {
        "poll_tiktok_orders": "rate(5 minutes)",
        "reconcile_counters": "rate(1 day)",
        "roll_plan_cycles": "rate(1 hour)",
        "poll_pending_products": "rate(15 minutes)",
        "poll_deleted_products": "rate(1 hour)",
        "refresh_tiktok_tokens": "rate(1 hour)",
        "sweep_stuck_activities": "rate(5 minutes)",
        "refresh_warehouses": "rate(1 day)",
        "check_tiktok_webhooks": "rate(1 day)",
    }


def test_the_schedules_role_may_only_invoke_the_scheduler(template: Template) -> None:
    (schedule,) = list(template.find_resources("AWS::Scheduler::Schedule").values())[:1]
    role = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    statements = [
        s
        for p in template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    invoke = [s for s in statements if s["Action"] == "lambda:InvokeFunction"]
    scheduler = _function_id(template, "scheduler")
    assert invoke and all(
        scheduler in json.dumps(s["Resource"]) and "*" not in json.dumps(s["Resource"]).replace(":*", "")
        for s in invoke
    )
    assert {a for s in statements for a in _listed(s["Action"])} == {
        "lambda:InvokeFunction",
        "sqs:SendMessage",
    }


# --- API -------------------------------------------------------------------------------------------


def _method_paths(template: Template) -> set[tuple[str, str]]:
    resources = template.find_resources("AWS::ApiGateway::Resource")

    def full_path(logical_id: str) -> str:
        props = resources[logical_id]["Properties"]
        parent = props["ParentId"]
        prefix = full_path(parent["Ref"]) if "Ref" in parent else ""
        return f"{prefix}/{props['PathPart']}"

    return {
        (m["Properties"]["HttpMethod"], full_path(m["Properties"]["ResourceId"]["Ref"]))
        for m in template.find_resources("AWS::ApiGateway::Method").values()
    }


def test_api_methods_are_exactly_the_route_table_plus_preflights_for_the_page(template: Template) -> None:
    rest = routes.routes_of(routes.Gateway.REST)
    deployed = _method_paths(template)
    assert {d for d in deployed if d[0] != "OPTIONS"} == {(r.method, r.path) for r in rest}
    preflights = {path for method, path in deployed if method == "OPTIONS"}
    assert preflights == {r.path for r in rest if r.path.startswith(("/v1/", "/openapi.json"))}
    assert not template.find_resources("AWS::ApiGatewayV2::Api")  # no gateway for the doors


def test_each_door_is_on_a_function_url_of_its_own_with_the_hmac_as_its_only_check(
    template: Template,
) -> None:
    doors = [r.function for r in routes.routes_of(routes.Gateway.FUNCTION_URL)]
    assert doors == ["shopify_webhook", "tiktok_webhook"]
    urls = template.find_resources("AWS::Lambda::Url")
    by_door = {
        url["Properties"]["TargetFunctionArn"]["Fn::GetAtt"][0]: url["Properties"] for url in urls.values()
    }
    assert set(by_door) == {_function_id(template, door) for door in doors}
    for properties in by_door.values():
        assert properties["AuthType"] == "NONE"  # the HMAC over the raw body, in the door
        assert "Cors" not in properties  # no browser calls a door
    # Anyone may invoke a door's URL (Shopify and TikTok sign; neither can sign an AWS request)
    permissions = template.find_resources(
        "AWS::Lambda::Permission", {"Properties": {"Action": "lambda:InvokeFunctionUrl"}}
    )
    assert {p["Properties"]["FunctionName"]["Fn::GetAtt"][0] for p in permissions.values()} == set(by_door)
    assert {p["Properties"]["FunctionUrlAuthType"] for p in permissions.values()} == {"NONE"}


def test_preflights_and_gateway_errors_allow_only_the_page_origin(template: Template) -> None:
    distribution = _logical_id(template, "AWS::CloudFront::Distribution", "Hosting")
    origin = {"Fn::Join": ["", ["'https://", {"Fn::GetAtt": [distribution, "DomainName"]}, "'"]]}
    for method in template.find_resources(
        "AWS::ApiGateway::Method", {"Properties": {"HttpMethod": "OPTIONS"}}
    ):
        props = template.to_json()["Resources"][method]["Properties"]
        headers = props["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Origin"] == origin
        assert (
            headers["method.response.header.Access-Control-Allow-Headers"] == "'Authorization,Content-Type'"
        )
    responses = template.find_resources("AWS::ApiGateway::GatewayResponse")
    assert {r["Properties"]["ResponseType"] for r in responses.values()} == {"DEFAULT_4XX", "DEFAULT_5XX"}
    for response in responses.values():
        assert response["Properties"]["ResponseParameters"] == {
            "gatewayresponse.header.Access-Control-Allow-Origin": origin
        }


def test_the_dashboard_function_and_the_gateway_allow_one_origin_the_distributions(
    template: Template,
) -> None:
    # The function's own answers (Powertools' CORSConfig, from DASHBOARD_ORIGIN), the preflights and
    # the gateway's errors: the page reads all three only if they name its CloudFront origin.
    distribution = _logical_id(template, "AWS::CloudFront::Distribution", "Hosting")
    page_origin = ["https://", {"Fn::GetAtt": [distribution, "DomainName"]}]
    function_origin = _variables(template, "dashboard")["DASHBOARD_ORIGIN"]
    resources = template.to_json()["Resources"]
    preflights = [
        resources[m]["Properties"]["Integration"]["IntegrationResponses"][0]["ResponseParameters"][
            "method.response.header.Access-Control-Allow-Origin"
        ]
        for m in template.find_resources("AWS::ApiGateway::Method", {"Properties": {"HttpMethod": "OPTIONS"}})
    ]
    gateway = [
        r["Properties"]["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"]
        for r in template.find_resources("AWS::ApiGateway::GatewayResponse").values()
    ]
    assert function_origin == {"Fn::Join": ["", page_origin]}
    assert preflights and gateway
    # API Gateway takes header values as quoted literals: the same origin between quotes.
    quoted = {"Fn::Join": ["", ["'" + page_origin[0], page_origin[1], "'"]]}
    assert all(origin == quoted for origin in preflights + gateway)


def test_api_stage_throttles_and_writes_json_access_logs_with_retention(template: Template) -> None:
    (stage,) = template.find_resources("AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    (settings,) = [s for s in props["MethodSettings"] if (s["ResourcePath"], s["HttpMethod"]) == ("/*", "*")]
    assert settings["ThrottlingRateLimit"] == 200 and settings["ThrottlingBurstLimit"] == 400
    assert settings["LoggingLevel"] == "ERROR" and settings["DataTraceEnabled"] is False
    assert props["TracingEnabled"] is True
    access_log = json.loads(props["AccessLogSetting"]["Format"])
    assert {"requestId", "status", "httpMethod", "resourcePath", "requestTime"} <= set(access_log)
    log_group = props["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]
    groups = template.find_resources("AWS::Logs::LogGroup")
    assert groups[log_group]["Properties"]["RetentionInDays"] == 90


def test_api_does_no_authorization_or_validation_of_its_own(template: Template) -> None:
    # Signatures need the raw body and the contract's error shape: both are the functions' job.
    assert template.find_resources("AWS::ApiGateway::RequestValidator") == {}
    assert template.find_resources("AWS::ApiGateway::Authorizer") == {}
    for method in template.find_resources("AWS::ApiGateway::Method").values():
        assert method["Properties"]["AuthorizationType"] == "NONE"
        if method["Properties"]["HttpMethod"] != "OPTIONS":
            assert method["Properties"]["Integration"]["Type"] == "AWS_PROXY"


# --- hosting ---------------------------------------------------------------------------------------


def test_page_is_served_by_cloudfront_through_origin_access_control(template: Template) -> None:
    (distribution_id,) = template.find_resources("AWS::CloudFront::Distribution")
    config = template.to_json()["Resources"][distribution_id]["Properties"]["DistributionConfig"]
    site = _logical_id(template, "AWS::S3::Bucket", "HostingSite")
    (origin,) = config["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": [site, "RegionalDomainName"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    oac = origin["OriginAccessControlId"]["Fn::GetAtt"][0]
    template.has_resource_properties(
        "AWS::CloudFront::OriginAccessControl",
        {"OriginAccessControlConfig": Match.object_like({"OriginAccessControlOriginType": "s3"})},
    )
    assert oac in template.find_resources("AWS::CloudFront::OriginAccessControl")
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["DefaultRootObject"] == "index.html"
    assert "Logging" in config


def test_site_bucket_is_private_encrypted_ssl_only_and_readable_by_the_distribution_alone(
    template: Template,
) -> None:
    site = _logical_id(template, "AWS::S3::Bucket", "HostingSite")
    props = template.find_resources("AWS::S3::Bucket")[site]["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"
    ] == {"SSEAlgorithm": "AES256"}
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in template.find_resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": site}
    ]
    deny, allow = policy
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    distribution = _logical_id(template, "AWS::CloudFront::Distribution", "Hosting")
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert f'{{"Ref": "{distribution}"}}' in json.dumps(allow["Condition"]["StringEquals"]["AWS:SourceArn"])


def test_page_may_be_framed_by_shopify_admin_only(template: Template) -> None:
    (policy,) = template.find_resources("AWS::CloudFront::ResponseHeadersPolicy").values()
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["ContentSecurityPolicy"]["ContentSecurityPolicy"] == (
        "frame-ancestors https://admin.shopify.com https://*.myshopify.com"
    )
    assert "FrameOptions" not in headers  # SAMEORIGIN would stop Shopify Admin from embedding it


def test_page_and_its_config_are_published_with_an_invalidation(template: Template) -> None:
    (deployment,) = template.find_resources("Custom::CDKBucketDeployment").values()
    props = deployment["Properties"]
    assert len(props["SourceBucketNames"]) == 2  # web/ and config.json
    assert props["DestinationBucketName"] == {"Ref": _logical_id(template, "AWS::S3::Bucket", "HostingSite")}
    assert props["DistributionId"] == {
        "Ref": _logical_id(template, "AWS::CloudFront::Distribution", "Hosting")
    }
    markers = json.dumps(props.get("SourceMarkers", []))
    assert _logical_id(template, "AWS::ApiGateway::RestApi", "ApiRestApi") in markers  # apiUrl


def test_the_published_config_names_the_shopify_api_key_for_app_bridge(synthesized: Synthesized) -> None:
    # The file holds a deploy-time marker where the API's address goes, so it is read as text.
    (config,) = [p.read_text() for p in synthesized.outdir.rglob("config.json")]
    assert f'"shopifyApiKey":"{CONTEXT["shopifyApiKey"]}"' in config.replace(" ", "")
    assert '"apiUrl":' in config


# --- monitoring ------------------------------------------------------------------------------------


def _alarms(template: Template) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in template.find_resources("AWS::CloudWatch::Alarm").items()}


def test_every_dead_letter_queue_alarms_on_its_first_message(template: Template) -> None:
    dead_letter_queues = {
        k for k in template.find_resources("AWS::SQS::Queue") if "DeadLetters" in k or "Failed" in k
    }
    # events, jobs, syncs, scheduled work, schedules, partner events
    assert len(dead_letter_queues) == 6
    watched = set()
    for alarm in _alarms(template).values():
        if alarm.get("Namespace") == "AWS/SQS":
            assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
            assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
            (dimension,) = alarm["Dimensions"]
            watched.add(dimension["Value"]["Fn::GetAtt"][0])
    assert watched == dead_letter_queues


def test_every_function_alarms_on_errors_and_throttles(template: Template) -> None:
    watched: dict[str, set[str]] = {}
    for alarm in _alarms(template).values():
        if alarm.get("Namespace") == "AWS/Lambda":
            assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
            (dimension,) = alarm["Dimensions"]
            watched.setdefault(dimension["Value"]["Ref"], set()).add(alarm["MetricName"])
    assert watched == {_function_id(template, s): {"Errors", "Throttles"} for s in FUNCTIONS}


def test_api_5xx_alarms_and_every_alarm_notifies_the_topic(template: Template) -> None:
    alarms = _alarms(template)
    (api_alarm,) = [a for a in alarms.values() if a.get("Namespace") == "AWS/ApiGateway"]
    assert api_alarm["MetricName"] == "5XXError"
    assert (api_alarm["Threshold"], api_alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    topic = _logical_id(template, "AWS::SNS::Topic", "MonitoringAlarms")
    assert all(a["AlarmActions"] == [{"Ref": topic}] for a in alarms.values())
    assert len(alarms) == 6 + 2 * len(FUNCTIONS) + 1  # dead letters, functions, API 5xx


def test_a_cloudwatch_dashboard_shows_the_same_signals(template: Template) -> None:
    (dashboard,) = template.find_resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for metric in ("5XXError", "Errors", "Throttles", "ApproximateNumberOfMessagesVisible", "Duration"):
        assert metric in body


# --- checks ----------------------------------------------------------------------------------------


def test_cdk_nag_aws_solutions_reports_no_unacknowledged_finding(synthesized: Synthesized) -> None:
    report_file = synthesized.outdir / "validation-report.json"
    report = json.loads(report_file.read_text()) if report_file.exists() else {"pluginReports": []}
    findings = [
        f"{v['severity']} {v['ruleName']} at {c['constructPath']}"
        for plugin in report["pluginReports"]
        if plugin["pluginName"] == "AwsSolutions"
        for v in plugin["violations"]
        for c in v["violatingConstructs"]
    ]
    assert findings == []
    assert synthesized.failure is None, synthesized.failure


def test_cfn_lint_finds_no_error_in_the_template(synthesized: Synthesized) -> None:
    errors = [
        f"{m.rule.id} {m.message} at {'/'.join(map(str, m.path))}"
        for m in lint(synthesized.text, regions=["us-east-1"])
        if m.rule.id.startswith("E")
    ]
    assert errors == []


# --- shopify.app.toml ------------------------------------------------------------------------------


def test_synth_writes_shopify_app_toml_with_the_topics_the_door_takes(synthesized: Synthesized) -> None:
    from connector.processing.applier import TOPICS
    from connector.webhooks.message import Source

    config = tomllib.loads((synthesized.outdir / "shopify.app.toml").read_text())

    assert config["client_id"] == CONTEXT["shopifyApiKey"] and config["embedded"] is True
    assert config["name"] and config["application_url"] == CONTEXT["dashboardUrl"]
    assert config["access_scopes"]["scopes"] == CONTEXT["shopifyScopes"]
    assert config["webhooks"]["api_version"] == "2025-10"
    subscriptions = config["webhooks"]["subscriptions"]
    assert {s["uri"] for s in subscriptions} == {CONTEXT["shopifyWebhookUrl"]}
    topics = [t for s in subscriptions for t in s.get("topics", [])]
    compliance = [t for s in subscriptions for t in s.get("compliance_topics", [])]
    assert sorted(compliance) == ["customers/data_request", "customers/redact", "shop/redact"]
    handled = sorted(topic for source, topic in TOPICS if source is Source.SHOPIFY)
    assert sorted(topics + compliance) == handled and len(topics + compliance) == len(handled)
    assert "${Token" not in (synthesized.outdir / "shopify.app.toml").read_text()


def test_no_shopify_app_toml_is_written_without_the_deployed_addresses(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    context = {k: v for k, v in CONTEXT.items() if k not in ("shopifyWebhookUrl", "dashboardUrl")}
    synthesized = _synthesize(tmp_path_factory, FUNCTIONS, context)
    assert not (synthesized.outdir / "shopify.app.toml").exists()


def test_webhook_doors_and_health_have_limits_of_their_own_and_the_dashboard_a_cap(
    template: Template,
) -> None:
    """A flood of anonymous requests on /v1 or /health cannot take the webhook doors' share, nor a
    flood on one door the other's: each door has a concurrency of its own (past it Lambda answers
    429, unbilled), /health has a small rate, and the dashboard function a concurrency cap."""
    from infra.components import api, doors
    from infra.stack import DASHBOARD_CONCURRENCY

    stage = next(iter(template.find_resources("AWS::ApiGateway::Stage").values()))
    settings = {(s["ResourcePath"], s["HttpMethod"]): s for s in stage["Properties"]["MethodSettings"]}
    default = settings[("/*", "*")]
    assert (default["ThrottlingRateLimit"], default["ThrottlingBurstLimit"]) == (
        api.RATE_LIMIT,
        api.BURST_LIMIT,
    )
    health = settings[("/~1health", "GET")]
    assert health["ThrottlingRateLimit"] == api.HEALTH_RATE_LIMIT < api.RATE_LIMIT

    def reserved(service: str) -> list[int]:
        functions = template.find_resources(
            "AWS::Lambda::Function",
            {"Properties": {"Environment": {"Variables": {"POWERTOOLS_SERVICE_NAME": service}}}},
        )
        return [f["Properties"].get("ReservedConcurrentExecutions") for f in functions.values()]

    assert reserved("dashboard") == [DASHBOARD_CONCURRENCY]
    for door in doors.DOORS:
        assert reserved(door) == [doors.DOOR_CONCURRENCY]
    for worker in ("processor", "jobs", "scheduler"):
        assert reserved(worker) == [None]  # their queues absorb bursts


def test_the_outputs_name_each_door_by_its_url_and_tiktok_is_told_its_door(template: Template) -> None:
    outputs = template.to_json()["Outputs"]
    for output, door in (("ShopifyWebhookUrl", "shopify_webhook"), ("TikTokWebhookUrl", "tiktok_webhook")):
        url = _logical_id(template, "AWS::Lambda::Url", door.split("_")[0].capitalize())
        value = json.dumps(outputs[output]["Value"])
        assert value.startswith('{"Fn::Join": ["", ["https://"') and f'"{url}", "FunctionUrl"' in value
        if door == "tiktok_webhook":
            for service in ("dashboard", "jobs", "scheduler"):
                assert _variables(template, service)["TIKTOK_WEBHOOK_URL"] == outputs[output]["Value"]
    assert "WebhooksUrl" not in outputs
