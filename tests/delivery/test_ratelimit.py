"""Rate limits through a real Redis (the `redis_url` fixture, tests/conftest.py)."""

import random
import time
import uuid

import pytest
import redis

from b40news.delivery.ratelimit import SLOTS, Rate, RateLimiter, parse_rates, window_acquire


@pytest.fixture
def redis_client(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def key(redis_client):
    """A key of this test's own; everything under it is deleted afterwards."""
    name = f"test-ratelimit-{uuid.uuid4().hex}"
    yield name
    leftovers = list(redis_client.scan_iter(match=f"{{{name}}}*"))
    if leftovers:
        redis_client.delete(*leftovers)


# -- parsing -------------------------------------------------------------------
def test_parse_rates():
    assert parse_rates("50/s") == (Rate(50, 1),)
    assert parse_rates("50/s, 1000/m,20000/h , 100000/d") == (
        Rate(50, 1), Rate(1000, 60), Rate(20000, 3600), Rate(100000, 86400),
    )
    assert parse_rates("300/15m") == (Rate(300, 900),)
    assert [str(r) for r in parse_rates("50/s,300/15m,7/2s,100000/d")] == ["50/s", "300/15m", "7/2s", "100000/d"]


@pytest.mark.parametrize(
    "spec", ["", "50", "50/", "/s", "50/x", "50/sec", "0/s", "50/0s", "-1/s", "50/s,", "50/s;10/m", "5.5/s", "10/s,20/s"]
)
def test_parse_rates_rejects(spec):
    with pytest.raises(ValueError):
        parse_rates(spec)


# -- one worker ------------------------------------------------------------------
def test_ten_per_second_grants_ten_then_asks_to_wait(redis_client, key):
    limiter = RateLimiter(redis_client, key, parse_rates("10/s"))
    assert [limiter.acquire() for _ in range(10)] == [0.0] * 10
    wait = limiter.acquire()
    # The burst leaves the window one second (plus at most one slot) later.
    assert 0.9 < wait <= 1.0 + 1 / SLOTS + 1e-6
    assert limiter.acquire() == pytest.approx(wait, abs=0.05)  # nothing was taken meanwhile
    assert limiter.retry_after() > 0.9


def test_all_or_nothing(redis_client, key):
    limiter = RateLimiter(redis_client, key, parse_rates("10/s"))
    assert limiter.acquire(7) == 0.0
    assert limiter.acquire(4) > 0  # only 3 left: nothing taken
    assert limiter.acquire(3) == 0.0
    with pytest.raises(ValueError, match="never be granted"):
        limiter.acquire(11)
    with pytest.raises(ValueError):
        limiter.acquire(0)


def test_take_grants_what_the_window_allows(redis_client, key):
    limiter = RateLimiter(redis_client, key, parse_rates("50/s"))
    assert limiter.take(200, max_wait=0) == 50
    assert limiter.take(200, max_wait=0) == 0  # would have to wait: returns at once
    assert limiter.take(1, max_wait=0) == 0


def test_a_batch_goes_out_in_chunks(redis_client, key):
    limiter = RateLimiter(redis_client, key, parse_rates("10/s"))
    started = time.monotonic()
    chunks, remaining = [], 15
    while remaining:
        granted = limiter.take(remaining, max_wait=5)
        chunks.append((granted, time.monotonic() - started))
        remaining -= granted
    assert [granted for granted, _ in chunks] == [10, 5]
    assert chunks[1][1] > 0.95  # the second chunk waited for the next second (a lower bound holds under load)


def test_keys_expire(redis_client, key):
    limiter = RateLimiter(redis_client, key, parse_rates("10/s,100/h"))
    limiter.acquire()
    assert limiter.keys == [f"{{{key}}}:1", f"{{{key}}}:3600"]
    second, hour = (redis_client.pttl(k) for k in limiter.keys)
    assert 0 < second <= 1000 * (SLOTS + 2) // SLOTS
    assert 3_600_000 < hour <= 3_600_000 * (SLOTS + 2) // SLOTS
    limiter.reset()
    assert redis_client.exists(*limiter.keys) == 0


# -- several workers ---------------------------------------------------------------
def test_two_workers_share_one_budget(redis_client, redis_url, key):
    first = RateLimiter(redis_client, key, parse_rates("10/s"))
    second = RateLimiter(redis.Redis.from_url(redis_url), key, parse_rates("10/s"))  # its own connection
    assert first.acquire(6) == 0.0
    assert second.acquire(4) == 0.0
    assert second.acquire() > 0
    assert first.acquire() > 0
    other_relay = RateLimiter(redis_client, key + "-other", parse_rates("10/s"))
    assert other_relay.acquire(10) == 0.0
    other_relay.reset()


def test_workers_in_parallel_never_exceed_the_limit(redis_url, key):
    import threading

    granted = []
    lock = threading.Lock()

    def worker():
        limiter = RateLimiter(redis.Redis.from_url(redis_url), key, parse_rates("25/m"))
        for _ in range(20):
            n = limiter.take(7, max_wait=0)
            with lock:
                granted.append(n)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 25  # 120 tries, all within one minute: exactly one window's worth


def test_several_windows_honour_the_tightest(redis_client, key):
    limiter = RateLimiter(redis_client, key, parse_rates("5/s,7/2s"))
    assert limiter.take(100, max_wait=0) == 5  # the per-second window is the tighter one
    assert limiter.take(100, max_wait=0) == 0
    granted = limiter.take(100, max_wait=2)  # sleeps until the first second has passed
    assert granted == 2  # now the 2-second window is: 7 - 5
    assert 0.9 < limiter.retry_after() <= 1.0 + 2 * 2 / SLOTS


def test_a_long_window_with_a_fixed_clock(redis_client, key):
    """5/s and 8/min: the minute window decides once the second window has room again."""
    limiter = RateLimiter(redis_client, key, parse_rates("5/s,8/m"))
    t0 = 1_700_000_000_000_000
    assert limiter._call(5, partial=True, now_us=t0) == (5, 0.0)
    assert limiter._call(5, partial=True, now_us=t0 + 1_500_000) == (3, 0.0)
    granted, wait = limiter._call(1, partial=True, now_us=t0 + 2_000_000)
    assert granted == 0
    assert wait == pytest.approx(60 * (SLOTS + 1) / SLOTS - 2.0, abs=0.61)  # t0's slot leaves the minute


def test_the_lua_script_and_the_pure_function_agree(redis_client, key):
    """Random traffic at a fixed clock: Redis gives exactly what window_acquire() gives."""
    rng = random.Random(40)
    rates = parse_rates("13/s,40/7s,90/m")
    limiter = RateLimiter(redis_client, key, rates)
    histories = tuple({} for _ in rates)
    now = 1_700_000_000_123_456
    grants = []  # (time, granted) for the invariant below
    for _ in range(600):
        now += rng.choice([0, 1, 999, 20_000, 150_000, 700_000, 3_000_000])
        n, partial = rng.randint(1, 13), rng.random() < 0.5
        expected_granted, expected_wait, histories = window_acquire(histories, rates, now, n, partial=partial)
        granted, wait = limiter._call(n, partial=partial, now_us=now)
        assert (granted, round(wait * 1_000_000)) == (expected_granted, expected_wait)
        if granted:
            grants.append((now, granted))
    assert len(grants) > 100
    # The promise: in any span of a rate's period, at most its count.
    for rate in rates:
        period = rate.per_seconds * 1_000_000
        for start, _ in grants:
            in_window = sum(g for t, g in grants if start <= t < start + period)
            assert in_window <= rate.count


def test_a_token_bucket_would_have_let_twice_through():
    """Why sliding windows: after a full burst, nothing more until the burst has left the window."""
    rates = (Rate(100, 86400),)
    histories = ({},)
    granted, _, histories = window_acquire(histories, rates, 0, 100)
    assert granted == 100
    half_a_day = 43_200_000_000
    granted, wait, _ = window_acquire(histories, rates, half_a_day, 1)
    assert granted == 0  # a refilling bucket would have 50 again by now
    assert wait == 86400 * 1_000_000 * (SLOTS + 1) // SLOTS - half_a_day


# -- eta --------------------------------------------------------------------------------
def test_eta(redis_client, key):
    assert RateLimiter(redis_client, key, parse_rates("50/s")).eta(200) == 3.0
    assert RateLimiter(redis_client, key, parse_rates("10/s")).eta(10) == 0.0
    assert RateLimiter(redis_client, key, parse_rates("10/s")).eta(11) == 1.0
    assert RateLimiter(redis_client, key, parse_rates("10/s")).eta(0) == 0.0
    both = RateLimiter(redis_client, key, parse_rates("50/s,1000/m"))
    assert both.eta(1000) == 19.0  # the second decides
    assert both.eta(2000) == 60.0  # the minute decides
    assert RateLimiter(redis_client, key, parse_rates("50/s,100000/d")).eta(100_000) == 1999.0
