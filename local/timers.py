"""EventBridge Scheduler's part under `make run`: each task of connector.schedules fires on its own
period, invoking the real scheduler handler with {"task": name}; a task over every shop then runs
through its fan-out on the scheduled-work queue (local/run.py)."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from connector.schedules import TASKS
from local.lambda_context import LocalLambdaContext


class Timers:
    def __init__(self, handler: Callable[[dict[str, Any], Any], Any], speedup: float = 1.0) -> None:
        self._handler = handler
        self._speedup = speedup
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._every, args=(task.name, task.minutes * 60 / speedup), daemon=True)
            for task in TASKS.values()
        ]

    def _every(self, task: str, seconds: float) -> None:
        while not self._stop.wait(seconds):
            try:
                self._handler({"task": task}, LocalLambdaContext(function_name="scheduler"))
            except Exception:  # noqa: BLE001 - a failed tick is reported; the next one runs anyway
                traceback.print_exc()

    def start(self) -> Timers:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
