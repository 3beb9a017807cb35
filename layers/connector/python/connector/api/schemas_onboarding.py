"""GET /v1/onboarding: the steps of the shop's onboarding."""

from __future__ import annotations

from connector.api.schemas import _Out


class OnboardingStep(_Out):
    id: str
    title: str
    done: bool


class OnboardingOut(_Out):
    step: int
    steps: list[OnboardingStep]
    tiktok_connection: str
    tiktok_shop_id: str | None
