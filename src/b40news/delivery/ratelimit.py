"""Send-rate limits in the relay's own units ("50/s,100000/d"), shared by all workers.

The algorithm: a sliding window per rate, kept as counts in time slots
-----------------------------------------------------------------------
A relay's "N per period" means: in *any* span of that length, at most N
messages. A plain token bucket (capacity N, refilled at N/period) does not
keep that promise — after a full burst it refills while the burst is still
inside the window, so "100000/d" could let ~200000 through in 24 hours. So
each rate keeps how many messages were granted in each of `SLOTS` (100) slots
of period/100, and counts every slot that overlaps the last period — a slot
that is only partly inside still counts in full. The count can therefore only
over-estimate: the limit is never exceeded, at the price of up to one slot
(1 % of the period) of extra waiting.

`window_acquire()` is that arithmetic as a pure function over an explicit
history; `RateLimiter` runs the same arithmetic as a Lua script inside Redis,
so that checking every window and taking from every window is one atomic
round trip for all workers.

Store, persistence and clock
----------------------------
- One Redis hash per rate: key ``{<key>}:<per_seconds>`` (the braces keep all
  of a limiter's keys in one Redis Cluster slot), field = slot number, value =
  messages granted in that slot. Slots that have left the window are deleted
  on the next grant, and each hash expires (PEXPIRE) one window plus two slots
  after its last grant, so an idle relay leaves nothing behind.
- The keys are ordinary volatile keys: with Redis persistence (RDB/AOF) they
  survive a restart with their expiry; without it, a Redis restart forgets the
  current window and the relay may see up to one extra window's worth.
- The clock is Redis's own (TIME inside the script): workers' clocks may
  disagree, the limit does not care.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["SLOTS", "Rate", "RateLimiter", "parse_rates", "window_acquire"]

SLOTS = 100  # slots per window; 10**6 µs is divisible by it, so slot widths are whole µs
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"(\d+)\s*/\s*(\d*)\s*([smhd])", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    count: int
    per_seconds: int

    def __post_init__(self) -> None:
        if self.count < 1 or self.per_seconds < 1:
            raise ValueError(f"a rate needs a positive count and period, not {self.count}/{self.per_seconds}s")

    @property
    def slot_us(self) -> int:
        return self.per_seconds * 1_000_000 // SLOTS

    def __str__(self) -> str:
        for unit, seconds in sorted(_UNITS.items(), key=lambda item: -item[1]):
            if self.per_seconds % seconds == 0:
                multiple = self.per_seconds // seconds
                return f"{self.count}/{'' if multiple == 1 else multiple}{unit}"
        raise AssertionError("unreachable: every period is whole seconds")  # pragma: no cover


def parse_rates(spec: str) -> tuple[Rate, ...]:
    """Parse "50/s,1000/m,20000/h,100000/d" (also "300/15m") into rates."""
    rates = []
    for part in spec.split(","):
        match = _RATE.fullmatch(part.strip())
        if not match:
            raise ValueError(
                f"bad rate {part.strip()!r} in {spec!r}: write COUNT/UNIT with UNIT one of s, m, h, d "
                "(e.g. 50/s,100000/d)"
            )
        count, multiple, unit = match.groups()
        rates.append(Rate(int(count), int(multiple or 1) * _UNITS[unit.lower()]))
    _check_rates(rates)
    return tuple(rates)


def _check_rates(rates: Sequence[Rate]) -> None:
    if not rates:
        raise ValueError("at least one rate is needed")
    periods = [rate.per_seconds for rate in rates]
    if len(set(periods)) != len(periods):
        raise ValueError(f"two rates with the same period: {', '.join(map(str, rates))}")


# -- the arithmetic, as a pure function ------------------------------------------
History = Mapping[int, int]  # slot number -> messages granted in that slot


def window_acquire(
    histories: Sequence[History], rates: Sequence[Rate], now_us: int, n: int, *, partial: bool = False
) -> tuple[int, int, tuple[dict[int, int], ...]]:
    """Take `n` messages from every window at time `now_us` (µs).

    Returns (granted, wait_us, new_histories). All-or-nothing unless
    `partial`, which grants as many as every window allows (at least one).
    When nothing is granted, `wait_us` is how long until enough slots
    have left the windows (assuming nobody else takes meanwhile) and the
    histories are returned unchanged. Mirrors `_LUA` step by step.
    """
    need = 1 if partial else n
    allow: int | None = None
    wait = 0
    current, live_histories = [], []
    for history, rate in zip(histories, rates, strict=True):
        width = rate.slot_us
        cur = now_us // width
        oldest = cur - SLOTS
        live = {slot: count for slot, count in history.items() if slot >= oldest}
        free = rate.count - sum(live.values())
        allow = free if allow is None else min(allow, free)
        if free < need:
            acc = free
            for slot in sorted(live):
                acc += live[slot]
                if acc >= need:
                    wait = max(wait, (slot + SLOTS + 1) * width - now_us)
                    break
        current.append(cur)
        live_histories.append(live)

    assert allow is not None
    if allow < need:
        return 0, wait, tuple(dict(history) for history in histories)
    granted = min(n, allow) if partial else n
    for live, cur in zip(live_histories, current):
        live[cur] = live.get(cur, 0) + granted
    return granted, 0, tuple(live_histories)


# -- the same arithmetic inside Redis -----------------------------------------------
# KEYS[i]: the hash of rate i. ARGV: n, partial (0/1), dry run (0/1), SLOTS,
# now in µs ("" = Redis TIME), then count_i and slot width (µs) for each rate.
# Returns {granted, wait_us}.
_LUA = """
local n = tonumber(ARGV[1])
local partial = ARGV[2] == '1'
local dry = ARGV[3] == '1'
local slots = tonumber(ARGV[4])
local now
if ARGV[5] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[5])
end
local need = n
if partial then need = 1 end
local allow = nil
local wait = 0
local current, stale = {}, {}
for i = 1, #KEYS do
  local count = tonumber(ARGV[4 + 2 * i])
  local width = tonumber(ARGV[5 + 2 * i])
  local cur = math.floor(now / width)
  local oldest = cur - slots
  local raw = redis.call('HGETALL', KEYS[i])
  local live, old, used = {}, {}, 0
  for j = 1, #raw, 2 do
    local slot, c = tonumber(raw[j]), tonumber(raw[j + 1])
    if slot < oldest then
      old[#old + 1] = raw[j]
    else
      used = used + c
      live[#live + 1] = {slot, c}
    end
  end
  local free = count - used
  if allow == nil or free < allow then allow = free end
  if free < need then
    table.sort(live, function(a, b) return a[1] < b[1] end)
    local acc = free
    for _, entry in ipairs(live) do
      acc = acc + entry[2]
      if acc >= need then
        local w = (entry[1] + slots + 1) * width - now
        if w > wait then wait = w end
        break
      end
    end
  end
  current[i] = cur
  stale[i] = old
end
if allow < need then
  return {0, wait}
end
local granted = n
if partial and allow < n then granted = allow end
if not dry then
  for i = 1, #KEYS do
    if #stale[i] > 0 then redis.call('HDEL', KEYS[i], unpack(stale[i])) end
    redis.call('HINCRBY', KEYS[i], string.format('%d', current[i]), granted)
    redis.call('PEXPIRE', KEYS[i], math.ceil((slots + 2) * tonumber(ARGV[5 + 2 * i]) / 1000))
  end
end
return {granted, 0}
"""


class RateLimiter:
    """The rates of one SMTP relay, enforced across every worker through Redis.

    `key` names the relay (e.g. "ratelimit:smtp.example.org"); limiters with
    the same key, in any process, share one budget.
    """

    def __init__(self, redis_client: Any, key: str, rates: Sequence[Rate]) -> None:
        self.rates = tuple(rates)
        _check_rates(self.rates)
        self.key = key
        self.keys = [f"{{{key}}}:{rate.per_seconds}" for rate in self.rates]
        self.max_chunk = min(rate.count for rate in self.rates)
        self._redis = redis_client
        self._script = redis_client.register_script(_LUA)
        self._rate_args = [value for rate in self.rates for value in (rate.count, rate.slot_us)]

    def _call(self, n: int, *, partial: bool, dry_run: bool = False,
              now_us: int | None = None) -> tuple[int, float]:
        """One round trip: (granted, seconds to wait). `now_us` overrides Redis TIME (tests)."""
        args = [n, int(partial), int(dry_run), SLOTS, "" if now_us is None else now_us, *self._rate_args]
        granted, wait_us = self._script(keys=self.keys, args=args)
        return int(granted), int(wait_us) / 1_000_000

    def _check_n(self, n: int) -> None:
        if n < 1:
            raise ValueError("ask for at least one message")

    def acquire(self, n: int = 1) -> float:
        """Take n from every window at once: 0.0 if granted, else seconds to wait (nothing taken)."""
        self._check_n(n)
        if n > self.max_chunk:
            raise ValueError(f"{n} can never be granted at once under {self}; use take()")
        return self._call(n, partial=False)[1]

    def retry_after(self, n: int = 1) -> float:
        """Seconds until n could be granted (0.0: now); takes nothing."""
        self._check_n(n)
        return self._call(min(n, self.max_chunk), partial=False, dry_run=True)[1]

    def take(self, n: int, *, max_wait: float) -> int:
        """Take up to n, sleeping up to `max_wait` seconds for the first one.

        Returns how many were granted: as many as every window allows right
        now, at most n (so a batch of 200 under 50/s goes out in chunks of at
        most 50). Returns 0 — at once, without sleeping — when the wait would
        pass `max_wait`; `retry_after()` then says how long.
        """
        self._check_n(n)
        want = min(n, self.max_chunk)
        deadline = time.monotonic() + max_wait
        while True:
            granted, wait = self._call(want, partial=True)
            if granted:
                return granted
            if wait > deadline - time.monotonic():
                return 0
            time.sleep(wait)

    def eta(self, remaining: int) -> float:
        """Seconds until the last of `remaining` messages may go, from an unused budget.

        Pure arithmetic: each rate lets `count` go at once and `count` more
        per period; the slowest rate decides. It ignores what is already
        spent and the slot margin (≤ 1 % of a period), so it is a lower bound.
        """
        if remaining <= 0:
            return 0.0
        return float(max((remaining - 1) // rate.count * rate.per_seconds for rate in self.rates))

    def reset(self) -> None:
        """Forget everything granted under this key."""
        self._redis.delete(*self.keys)

    def __str__(self) -> str:
        return ",".join(map(str, self.rates))

    def __repr__(self) -> str:
        return f"RateLimiter({self.key!r}, {str(self)!r})"
