"""The periods the dashboard shows sales over. A module of its own: the dashboard declares its
sales route with them at import, and the sales code itself (domain/sales.py) is imported when the
first sales are read."""

from __future__ import annotations

from enum import IntEnum


class SalesDays(IntEnum):
    """The periods the figures are shown for: the last 7, 30 or 90 days."""

    WEEK = 7
    MONTH = 30
    QUARTER = 90
