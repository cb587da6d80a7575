"""Checks of Binance SIGNED (USER_DATA) requests, with the venue's own error bodies."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

import attrs


@attrs.frozen
class SignatureError:
    status: int
    code: int
    msg: str


API_KEY_FORMAT = SignatureError(401, -2014, "API-key format invalid.")
INVALID_KEY = SignatureError(401, -2015, "Invalid API-key, IP, or permissions for action.")
BAD_SIGNATURE = SignatureError(400, -1022, "Signature for this request is not valid.")
NO_TIMESTAMP = SignatureError(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
OUTSIDE_WINDOW = SignatureError(400, -1021, "Timestamp for this request is outside of the recvWindow.")
BAD_RECV_WINDOW = SignatureError(400, -1131, "recvWindow must be less than 60000")


def check_signed(
    *, api_key: str | None, raw_query: str, credentials: Mapping[str, str], server_ms: int
) -> SignatureError | None:
    """None when the request is properly signed by a configured key within its recvWindow."""
    if not api_key:
        return API_KEY_FORMAT
    secret = credentials.get(api_key)
    if secret is None:
        return INVALID_KEY
    payload, sep, signature = raw_query.rpartition("&signature=")
    if not sep:
        if raw_query.startswith("signature="):
            payload, signature = "", raw_query.removeprefix("signature=")
        else:
            return BAD_SIGNATURE
    expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return BAD_SIGNATURE
    params = dict(p.split("=", 1) for p in payload.split("&") if "=" in p)
    try:
        ts = int(params["timestamp"])
    except (KeyError, ValueError):
        return NO_TIMESTAMP
    try:
        window = int(params.get("recvWindow", "5000"))
    except ValueError:
        return BAD_RECV_WINDOW
    if not 0 < window <= 60_000:
        return BAD_RECV_WINDOW
    if ts > server_ms + 1000 or server_ms - ts > window:
        return OUTSIDE_WINDOW
    return None
