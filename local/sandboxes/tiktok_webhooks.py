"""The TikTok sandbox's background work: a scheduler thread for due tasks (audits, deliveries), each
shop's webhook registrations (Get / Update / Delete Shop Webhook), and signed webhooks of types 1
(order status change), 5 (product status change), 11 (cancellation status change), 12 (return status
change) and 37 (product audit status change) sent through it, as TikTok sends them: only the event
types the shop registered, each to the address registered for it.

Payloads and the Authorization signature as guides/webhooks 1, 5, 11, 12 and 37 show them; the
registrations as api/event/{get-shop-webhooks,update-shop-webhook,delete-shop-webhook}.spec.json.
"""

from __future__ import annotations

import heapq
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from connector.webhooks.signatures import tiktok_signature
from local.sandboxes.tiktok_codes import BAD_REQUEST, ApiFailure, JsonObject
from local.sandboxes.tiktok_contract import endpoints
from local.sandboxes.tiktok_state import Faults, SandboxShop, Shared

# The order API says CANCELLED; webhook type 1 says CANCEL.
WEBHOOK_ORDER_STATUS = {"CANCELLED": "CANCEL"}
# Each webhook type's event_type, as the guides name them (guides/webhooks/<type>-<name>.md).
EVENT_TYPES = {
    1: "ORDER_STATUS_CHANGE",
    5: "PRODUCT_STATUS_CHANGE",
    6: "SELLER_DEAUTHORIZATION",
    7: "UPCOMING_AUTHORIZATION_EXPIRATION",
    11: "CANCELLATION_STATUS_CHANGE",
    12: "RETURN_STATUS_CHANGE",
    37: "PRODUCT_AUDIT_STATUS_CHANGE",
}


def _known_event_types() -> frozenset[str]:
    """The event_type values Update Shop Webhook's reference lists ("Possible values: - `NAME`")."""
    endpoint = next(e for e in endpoints() if e.title == "Update Shop Webhook")
    described = next(p.desc for p in endpoint.body if p.name == "event_type")
    return frozenset(re.findall(r"^- `([A-Z_]+)`", described, re.MULTILINE))


@dataclass(frozen=True)
class SentWebhook:
    """One webhook the sandbox meant to send: ``status`` is the receiver's answer (None if unsent)."""

    body: bytes
    signature: str
    dropped: bool
    status: int | None
    error: str = ""
    address: str = ""  # where the shop's registration sent it

    @property
    def payload(self) -> JsonObject:
        loaded: JsonObject = json.loads(self.body)
        return loaded


class Scheduler:
    """One background thread running due tasks in order; ``wait_idle`` waits until none is left."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._tasks: list[tuple[float, int, Callable[[], None]]] = []
        self._sequence = itertools.count()
        self._condition = threading.Condition()
        self._busy = False
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="tiktok-sandbox-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify_all()
        self._thread.join(timeout=5)

    def submit(self, task: Callable[[], None], delay: float = 0.0) -> None:
        with self._condition:
            heapq.heappush(self._tasks, (self._clock() + delay, next(self._sequence), task))
            self._condition.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._tasks or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(min(remaining, 0.05))
            return True

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._stopped and (not self._tasks or self._tasks[0][0] > self._clock()):
                    wait = self._tasks[0][0] - self._clock() if self._tasks else None
                    self._condition.wait(min(wait, 0.05) if wait is not None else 0.05)
                if self._stopped:
                    return
                _, _, task = heapq.heappop(self._tasks)
                self._busy = True
            try:
                task()
            finally:
                with self._condition:
                    self._busy = False
                    self._condition.notify_all()


@dataclass
class WebhookSender:
    """Signs webhooks as TikTok does, posts them to ``url`` from the scheduler and keeps them in ``sent``."""

    shared: Shared
    scheduler: Scheduler
    faults: Faults
    app_key: str
    app_secret: str = field(repr=False)
    shops: dict[str, SandboxShop]
    sent: list[SentWebhook] = field(default_factory=list)
    _session: requests.Session = field(default_factory=requests.Session, init=False, repr=False)

    def close(self) -> None:
        self._session.close()

    # --- the shop's registrations (call under the lock) ---

    def api_get_webhooks(self, shop: SandboxShop, query: JsonObject, body: JsonObject) -> JsonObject:
        """Get Shop Webhooks."""
        webhooks = [{"event_type": kind, **record} for kind, record in shop.webhooks.items()]
        return {"webhooks": webhooks, "total_count": len(webhooks)}

    def api_update_webhook(self, shop: SandboxShop, query: JsonObject, body: JsonObject) -> JsonObject:
        """Update Shop Webhook: the event type's address, set or replaced."""
        kind, now = self._event_type(body), int(self.shared.clock())
        created = shop.webhooks.get(kind, {}).get("create_time", now)
        shop.webhooks[kind] = {"address": body["address"], "create_time": created, "update_time": now}
        return {}

    def api_delete_webhook(self, shop: SandboxShop, query: JsonObject, body: JsonObject) -> JsonObject:
        """Delete Shop Webhook: success whether or not the type was registered."""
        shop.webhooks.pop(self._event_type(body), None)
        return {}

    @staticmethod
    def _event_type(body: JsonObject) -> str:
        kind = str(body["event_type"])
        if kind not in _known_event_types():
            raise ApiFailure(BAD_REQUEST, f"Invalid event_type: {kind}")
        return kind

    def order_changed(self, order: JsonObject) -> None:
        """Type 1: an order's status changed."""
        status = WEBHOOK_ORDER_STATUS.get(order["status"], order["status"])
        data = {
            "order_id": order["id"],
            "order_status": status,
            "is_on_hold_order": order["is_on_hold_order"],
            "update_time": order["update_time"],
        }
        self._send(1, order["shop_id"], data)

    def cancellation_changed(self, cancellation: JsonObject) -> None:
        """Type 11: a cancellation's status changed (guides/webhooks/11-cancellation-status-change.md)."""
        data = {
            "order_id": cancellation["order_id"],
            "cancellations_role": cancellation["role"],
            "cancel_status": cancellation["cancel_status"],
            "cancel_id": cancellation["cancel_id"],
            "create_time": cancellation["create_time"],
        }
        self._send(11, cancellation["shop_id"], data)

    def return_changed(self, record: JsonObject) -> None:
        """Type 12: a return's status changed (guides/webhooks/12-return-status-change.md)."""
        data = {
            "order_id": record["order_id"],
            "return_role": record["role"],
            "return_type": record["return_type"],
            "return_status": record["return_status"],
            "return_id": record["return_id"],
            "create_time": record["create_time"],
            "update_time": record["update_time"],
        }
        self._send(12, record["shop_id"], data)

    def product_changed(self, product: JsonObject, event: str, reason: str) -> None:
        """Type 5: a product's status changed (``event``), with the reason of a failure or suspension."""
        data = {
            # TikTok's own example sends product_id as a JSON number; so do we.
            "product_id": int(product["id"]),
            "status": event,
            "suspended_reason": reason,
            "update_time": product["update_time"],
        }
        self._send(5, product["shop_id"], data)

    def product_audited(self, product: JsonObject, status: str, pre_approved_reasons: list[str]) -> None:
        """Type 37: an audit ended APPROVED, FAILED or PRE_APPROVED (with its reasons)."""
        # The doc's example spells "pre_approved_reason" (one string); its table, which we follow,
        # gives pre_approved_reasons as []string, like Get Product's audit.pre_approved_reasons.
        audit: JsonObject = {"status": status, "pre_approved_reasons": pre_approved_reasons}
        data = {"product_id": int(product["id"]), "audit": audit, "update_time": product["update_time"]}
        self._send(37, product["shop_id"], data)

    def seller_deauthorized(self, shop_id: str) -> None:
        self._send(6, shop_id, {"message": f"Shop_id {shop_id} is deauthorized from your APP by merchant."})

    def _send(self, kind: int, shop_id: str, data: JsonObject) -> None:
        registered = self.shops[shop_id].webhooks.get(EVENT_TYPES[kind])
        if registered is None:
            return  # TikTok sends a shop's events only for the types it registered
        address = str(registered["address"])
        envelope = {
            "type": kind,
            "tts_notification_id": self.shared.new_id(),
            "shop_id": shop_id,
            "timestamp": int(self.shared.clock()),
            "data": data,
        }
        body = json.dumps(envelope, separators=(",", ":")).encode()
        secret = self.faults.webhook_secret or self.app_secret
        signature = tiktok_signature(body, self.app_key, secret)
        dropped = self.faults.drop_webhooks > 0
        if dropped:
            self.faults.drop_webhooks -= 1
        self.scheduler.submit(lambda: self._deliver(address, body, signature, dropped))

    def _deliver(self, address: str, body: bytes, signature: str, dropped: bool) -> None:
        if dropped:
            self.sent.append(SentWebhook(body, signature, dropped=True, status=None, address=address))
            return
        headers = {"Authorization": signature, "Content-Type": "application/json"}
        try:
            response = self._session.post(address, data=body, headers=headers, timeout=5)
        except requests.RequestException as error:
            self.sent.append(SentWebhook(body, signature, False, None, type(error).__name__, address))
            return
        self.sent.append(SentWebhook(body, signature, False, response.status_code, address=address))
