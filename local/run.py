"""`make run`: the whole connector on this machine.

DynamoDB Local on DYNAMODB_PORT (data under .local/ so it survives a restart) unless
DYNAMODB_ENDPOINT points elsewhere, the table from the shared definition, and the local API
Gateway on 127.0.0.1:PORT serving every route of the shared route table.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

from connector import routes
from local.dynamodb import ROOT, DynamoDBLocal, ensure_table, local_environment
from local.server import LocalApiServer


def main() -> int:
    port = int(os.environ.get("PORT", "3000"))
    table_name = os.environ.get("TABLE_NAME", "tiktok-connector")
    database: DynamoDBLocal | None = None
    endpoint = os.environ.get("DYNAMODB_ENDPOINT")
    if not endpoint:
        db_port = int(os.environ.get("DYNAMODB_PORT", "8000"))
        database = DynamoDBLocal(port=db_port, data_dir=ROOT / ".local" / "dynamodb").start()
        endpoint = database.endpoint
    try:
        for name, value in local_environment(endpoint, table_name).items():
            os.environ.setdefault(name, value)
        ensure_table(endpoint, table_name)
        server = LocalApiServer(port=port).start()
        print(f"DynamoDB Local   {endpoint} (table {table_name})")
        print(f"Connector API    {server.url}")
        for route in routes.ROUTES:
            print(f"  {route.method:<6} {server.url}{route.path}  -> functions/{route.function}")
        print("Ctrl-C stops everything.", flush=True)
        _wait_for_stop_signal()
        server.stop()
    finally:
        if database is not None:
            database.stop()
    print("Stopped.")
    return 0


def _wait_for_stop_signal() -> None:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    stop.wait()


if __name__ == "__main__":
    sys.exit(main())
