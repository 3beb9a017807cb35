"""Runtime configuration, read from the environment once per process, never at import time."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    """Every environment variable the shipped code reads, with its local default."""

    table_name: str = Field(default="tiktok-connector")
    aws_region: str = Field(default="us-east-1")
    # Set locally and in tests (DynamoDB Local); unset on AWS, where boto's default endpoint applies.
    dynamodb_endpoint: str | None = None
    counter_shards: int = Field(default=10, ge=1, le=100)

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            "table_name": env.get("TABLE_NAME"),
            "aws_region": env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"),
            "dynamodb_endpoint": env.get("DYNAMODB_ENDPOINT") or None,
            "counter_shards": env.get("COUNTER_SHARDS"),
        }
        return cls.model_validate({k: v for k, v in values.items() if v is not None})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_environ()
