"""`make run`: the whole connector on this machine.

- DynamoDB Local on DYNAMODB_PORT (data under .local/ so it survives a restart), unless
  DYNAMODB_ENDPOINT points elsewhere; the table from the shared definition.
- The TikTok Shop and Shopify Admin sandboxes, each only when its base URL is left unset.
- SQS and S3 served over their real protocol (moto's server, local/sqs.py) with the stack's queues,
  each feeding the real processor, jobs or scheduler handler through an event-source-mapping loop;
  timers firing the scheduled tasks into the real scheduler handler, which fans each out on the
  scheduled-work queue (consumed by the same handler).
- The local API Gateway on 127.0.0.1:PORT serving every route of the shared route table.
- The demo shop, connected to the sandboxes, fed the sample webhooks from events/.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

from connector import routes
from connector.wiring import Ports, use_process_ports
from infra.queue_consumers import EVENTS, JOBS, SCHEDULED_WORK, SYNCS
from local.dynamodb import ROOT, DynamoDBLocal, ensure_table, local_environment
from local.sandboxes.shopify import ShopifySandbox
from local.sandboxes.tiktok import TikTokSandbox
from local.server import LocalApiServer
from local.sqs import AwsProtocolServer, EventSourceMapping, create_queues
from local.sqs import environment as sqs_environment
from local.timers import Timers


def main() -> int:
    port = int(os.environ.get("PORT", "3000"))
    table_name = os.environ.get("TABLE_NAME", "tiktok-connector")
    with ExitStack() as running:
        endpoint = os.environ.get("DYNAMODB_ENDPOINT")
        if not endpoint:
            db_port = int(os.environ.get("DYNAMODB_PORT", "8000"))
            data_dir = Path(os.environ.get("LOCAL_DATA_DIR", ROOT / ".local")) / "dynamodb"
            database = running.enter_context(DynamoDBLocal(port=db_port, data_dir=data_dir))
            endpoint = database.endpoint
        for name, value in local_environment(endpoint, table_name).items():
            os.environ.setdefault(name, value)
        # One line per webhook would bury the summary; POWERTOOLS_LOG_LEVEL=INFO shows them.
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
        ensure_table(endpoint, table_name)

        api_base = f"http://127.0.0.1:{port}"
        os.environ.setdefault("PUBLIC_API_URL", api_base)
        os.environ.setdefault("SHOPIFY_APP_URL", f"{api_base}/?shop={{shop}}")  # the page, as embedded
        os.environ.setdefault("SHOPIFY_BILLING_TEST", "true")
        tiktok = shopify = None
        if not os.environ.get("TIKTOK_API_BASE_URL") and not os.environ.get("TIKTOK_AUTH_BASE_URL"):
            tiktok = running.enter_context(
                TikTokSandbox(
                    os.environ["TIKTOK_APP_KEY"],
                    os.environ["TIKTOK_APP_SECRET"],
                    audit_delay_seconds=float(os.environ.get("SANDBOX_AUDIT_DELAY", "5")),
                )
            )
            os.environ["TIKTOK_API_BASE_URL"] = os.environ["TIKTOK_AUTH_BASE_URL"] = tiktok.url
            os.environ.setdefault("TIKTOK_AUTHORIZE_URL", f"{tiktok.url}/open/authorize")
            os.environ.setdefault("TIKTOK_AUTHORIZE_URL_US", f"{tiktok.url}/us/open/authorize")
            tiktok.redirect_url = f"{api_base}/auth/tiktok/callback"  # as registered in Partner Center
        if not os.environ.get("SHOPIFY_ADMIN_BASE_URL"):
            shopify = running.enter_context(
                ShopifySandbox(
                    os.environ["SHOPIFY_API_KEY"],
                    os.environ["SHOPIFY_API_SECRET"],
                    webhook_url=f"{api_base}/webhooks/shopify",
                )
            )
            os.environ["SHOPIFY_ADMIN_BASE_URL"] = shopify.admin_base_url
            os.environ["SHOPIFY_IMAGE_HOSTS"] = shopify.image_host

        from functions.jobs.handler import lambda_handler as jobs_function
        from functions.processor.handler import lambda_handler as processor
        from functions.scheduler.handler import lambda_handler as scheduler

        aws = running.enter_context(AwsProtocolServer())
        # A failed record is back after 10 s here (the stack's visibility timeout is minutes long).
        visibility = int(os.environ.get("LOCAL_VISIBILITY_TIMEOUT", "10"))
        queues = create_queues(aws, [EVENTS, JOBS, SYNCS, SCHEDULED_WORK], visibility_timeout=visibility)
        for name, value in sqs_environment(aws, queues).items():
            os.environ[name] = value
        events = running.enter_context(EventSourceMapping(queues["events"], EVENTS, processor, aws))
        mappings = [events]
        for work in (JOBS, SYNCS):
            mappings.append(
                running.enter_context(EventSourceMapping(queues[work.queue], work, jobs_function, aws))
            )
        # The schedules fan out on it: pages of shops, then one shop's run a message.
        scheduled = EventSourceMapping(queues["scheduled-work"], SCHEDULED_WORK, scheduler, aws)
        mappings.append(running.enter_context(scheduled))
        for mapping in mappings:  # told all at once, before each is stopped in turn
            running.callback(mapping.stopping)
        # What Lambda's environment is on AWS: ports built from it (queue URLs, bucket) on first use.
        ports = Ports()
        use_process_ports(ports)
        timers = Timers(scheduler, speedup=float(os.environ.get("SCHEDULE_SPEEDUP", "1"))).start()
        running.callback(timers.stop)

        server = LocalApiServer(port=port).start()
        running.callback(server.stop)

        from local.demo import replay_samples, seed_demo_shop

        seed_demo_shop(ports, tiktok, shopify)
        replayed = replay_samples(server.url)
        events.drain()

        print(f"DynamoDB Local     {endpoint} (table {table_name})")
        print(f"SQS and S3         {aws.endpoint} (queues: {', '.join(queues)}, each with its dead letters)")
        print(f"TikTok Shop API    {os.environ['TIKTOK_API_BASE_URL']}" + (" (sandbox)" if tiktok else ""))
        print(
            f"Shopify Admin API  {os.environ['SHOPIFY_ADMIN_BASE_URL']}" + (" (sandbox)" if shopify else "")
        )
        print(f"Connector API      {server.url}")
        for route in routes.ROUTES:
            print(f"  {route.method:<6} {server.url}{route.path}  -> functions/{route.function}")
        print(f"Demo shop seeded; sample webhooks replayed: {replayed}")
        print(f"Dashboard page     {server.url}/")
        print(f'Try: curl -H "Authorization: Bearer $(make -s token)" {server.url}/v1/dashboard', flush=True)
        print("Ctrl-C stops everything.", flush=True)
        _wait_for_stop_signal()
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
