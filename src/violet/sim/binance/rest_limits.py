"""Binance's REST request-weight limit per IP: fixed one-minute windows, 429 past the limit, 418 (an IP
ban with `Retry-After`) for clients that keep going after 429s."""

from __future__ import annotations

import attrs


@attrs.define
class _IpState:
    window: int = -1
    used: int = 0
    strikes: int = 0
    banned_until: float = 0.0


@attrs.frozen
class WeightVerdict:
    status: int
    """200 (allowed), 429 (over the limit) or 418 (banned)."""
    used: int
    retry_after_s: int = 0


class WeightLimiter:
    def __init__(self, *, limit: int, ban_after: int, ban_s: int) -> None:
        self.limit = limit
        self.ban_after = ban_after
        self.ban_s = ban_s
        self._ips: dict[str, _IpState] = {}

    def charge(self, ip: str, weight: int, now: float) -> WeightVerdict:
        st = self._ips.setdefault(ip, _IpState())
        window = int(now // 60)
        if window != st.window:
            st.window, st.used = window, 0
        if now < st.banned_until:
            return WeightVerdict(418, st.used, int(st.banned_until - now) + 1)
        if st.used + weight > self.limit:
            st.strikes += 1
            if st.strikes > self.ban_after:
                st.banned_until = now + self.ban_s
                st.strikes = 0
                return WeightVerdict(418, st.used, self.ban_s)
            return WeightVerdict(429, st.used, int((window + 1) * 60 - now) + 1)
        st.used += weight
        st.strikes = 0 if st.used < self.limit else st.strikes
        return WeightVerdict(200, st.used)
