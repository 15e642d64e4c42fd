"""The records the e2e tier sends, and what the generated pipeline must make of them."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

#: Valid stock prices as sent: tickers in mixed case and padded, prices with up to 3 decimals.
FIRST_BATCH = [
    {"event_time": "2026-01-01T12:00:00Z", "ticker": "AMZN", "price": 182.5},
    {"event_time": "2026-01-01T12:00:01Z", "ticker": " msft ", "price": 411.256},
    {"event_time": "2026-01-01T12:00:02Z", "ticker": "goog", "price": 165.1},
    {"event_time": "2026-01-01T12:00:03Z", "ticker": "Aapl", "price": 228.004},
]
#: Sent after the malformed records: the job must still be running and process them.
SECOND_BATCH = [
    {"event_time": "2026-01-01T12:01:00Z", "ticker": "TSLA", "price": 251.0},
    {"event_time": "2026-01-01T12:01:01Z", "ticker": "nflx", "price": 612.349},
    {"event_time": "2026-01-01T12:01:02Z", "ticker": "BRK.B", "price": 470.0},
]
#: Records the parser must reject: not JSON, a negative price, a missing ticker, a bad timestamp.
MALFORMED = [
    "this is not JSON",
    '{"event_time": "2026-01-01T12:00:04Z", "ticker": "AMZN", "price": -3}',
    '{"event_time": "2026-01-01T12:00:05Z", "price": 10.5}',
    '{"event_time": "yesterday", "ticker": "AMZN", "price": 10.5}',
]


def encode(records: list[dict[str, Any]]) -> list[str]:
    """Records as the JSON strings a source carries."""
    return [json.dumps(record) for record in records]


def normalised(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What StockPricePipeline outputs for valid records: ticker trimmed and upper-cased, price
    rounded half-up to cents; sorted for comparison."""
    result = [
        {
            "event_time": record["event_time"],
            "ticker": record["ticker"].strip().upper(),
            "price": float(Decimal(repr(record["price"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
        }
        for record in records
    ]
    return sorted(result, key=lambda r: (r["event_time"], r["ticker"]))


def ordered(prices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Output prices sorted like ``normalised``."""
    return sorted(prices, key=lambda r: (r["event_time"], r["ticker"]))
