"""Builds the store once per process, on first use, from the environment."""

from __future__ import annotations

from functools import lru_cache

from connector.dal.rows import bind_rows
from connector.dal.store import Store
from connector.settings import get_settings


@lru_cache(maxsize=1)
def get_store() -> Store:
    settings = get_settings()
    bind_rows(settings.table_name, settings.aws_region, settings.dynamodb_endpoint)
    return Store(counter_shards=settings.counter_shards)


def reset() -> None:
    """Forget the cached settings and store (tests that change the environment call this)."""
    get_settings.cache_clear()
    get_store.cache_clear()
