"""The rate limiter: slowapi's Limiter over the `limits` moving-window strategy.

The window moves (a limit of N per minute allows N requests in any 60 seconds), unlike a fixed
window that lets 2N through around each minute boundary. Counters live in memory (one budget per
process) or, when REDIS_URL is set, in Redis (one budget shared by every worker and instance),
in `limits`' own layout, over redis-py's asyncio client: on the event loop, with no worker thread
(a thread per call cost more than half the throughput of a list request, most of it waiting for
the GIL), one script call per hit and the hits of concurrent requests written together
(app.access.redis_window). If Redis cannot be reached the limiter fails open: requests are served
unlimited, a warning is logged once, and Redis is retried every few seconds.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from typing import cast

from limits import RateLimitItem
from limits.aio.storage import RedisStorage as AsyncRedisStorage
from limits.aio.storage.redis.redispy import RedispyBridge
from limits.aio.strategies import MovingWindowRateLimiter as AsyncMovingWindow
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import RateLimiter as Strategy
from redis.asyncio import Redis as AsyncRedis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from slowapi import Limiter
from slowapi.util import get_remote_address

from app.access.redis_window import CoalescedHits, Counted
from app.config.settings import Settings, parse_rate_limit

STORAGE_TIMEOUT_SECONDS = 0.5
"""How long one Redis call may take before the limiter gives up on it (and fails open)."""
RETRY_STORAGE_AFTER_SECONDS = 5.0
"""While Redis is down, how long requests go unlimited before it is tried again."""
KEY_PREFIX = "orgsites-ratelimit"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Quota:
    """One limit's state after counting a request."""

    limit: int
    remaining: int
    reset_after: int
    """Seconds until the oldest counted request leaves the window."""
    allowed: bool

    def headers(self) -> dict[str, str]:
        """The RateLimit-* response headers describing this quota."""
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_after),
        }

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """The same headers as ASGI (lower-case name, value) byte pairs."""
        return [(name.lower().encode(), value.encode()) for name, value in self.headers().items()]

    def tighter_than(self, other: Quota | None) -> bool:
        """Whether this quota is the one to report: fewer requests left (or a later reset)."""
        if other is None:
            return True
        return (self.remaining, -self.reset_after) < (other.remaining, -other.reset_after)


@dataclass(frozen=True)
class RateLimitRules:
    """The configured limits of each scope, parsed once."""

    credentials_per_ip: tuple[RateLimitItem, ...]
    credentials_per_account: tuple[RateLimitItem, ...]
    per_user: tuple[RateLimitItem, ...]
    anonymous_per_ip: tuple[RateLimitItem, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimitRules:
        return cls(
            credentials_per_ip=parse_rate_limit(settings.RATE_LIMIT_LOGIN_PER_IP),
            credentials_per_account=parse_rate_limit(settings.RATE_LIMIT_LOGIN_PER_EMAIL),
            per_user=parse_rate_limit(settings.RATE_LIMIT_AUTHENTICATED),
            anonymous_per_ip=parse_rate_limit(settings.RATE_LIMIT_ANONYMOUS),
        )


def account_key(email: str) -> str:
    """A per-account counter name, from the account's canonical email (app.domain.emails), that
    keeps the address itself out of the store."""
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def _redis_storage(url: str) -> AsyncRedisStorage:
    """`limits`' storage in Redis at url (redis:// or rediss://), every call bounded."""
    return AsyncRedisStorage(
        f"async+{url}",
        implementation="redispy",
        key_prefix=KEY_PREFIX,
        wrap_exceptions=True,
        socket_connect_timeout=STORAGE_TIMEOUT_SECONDS,
        socket_timeout=STORAGE_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),  # type: ignore[arg-type]  # passed on to redis-py
    )


class RateLimiter:
    """Counts requests against limits; None instead of a quota whenever the store is down."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.RATE_LIMIT_ENABLED
        self.rules = RateLimitRules.from_settings(settings)
        redis_url = settings.REDIS_URL.get_secret_value() if settings.REDIS_URL else None
        self._strategy: AsyncMovingWindow | Strategy
        self._hits: CoalescedHits | None = None
        if redis_url is not None:
            storage = _redis_storage(redis_url)
            self._strategy = AsyncMovingWindow(storage)
            self._redis = cast(RedispyBridge, storage.bridge)  # implementation="redispy"
            client = cast(AsyncRedis, self._redis.get_connection())  # redis-py's own client
            self._hits = CoalescedHits(client, storage.base_exceptions)
        else:
            memory = Limiter(
                key_func=get_remote_address,
                strategy="moving-window",
                storage_uri="memory://",
                enabled=self.enabled,
            )
            self._strategy = memory.limiter
        self._down_until: float | None = None

    @property
    def uses_redis(self) -> bool:
        """Whether the counters live in Redis (shared), rather than in this process."""
        return isinstance(self._strategy, AsyncMovingWindow)

    async def hit(self, item: RateLimitItem, *identifiers: str) -> Quota | None:
        """Count one request against ``item`` for ``identifiers``; None when failing open."""
        if self._down_until is not None and time.monotonic() < self._down_until:
            return None
        try:
            allowed, reset_at, remaining = await self._hit(item, identifiers)
        except StorageError as exc:
            if self._down_until is None:
                logger.warning("rate-limit store unreachable, requests are not limited: %s", exc)
            self._down_until = time.monotonic() + RETRY_STORAGE_AFTER_SECONDS
            return None
        if self._down_until is not None:
            logger.warning("rate-limit store reachable again, limits apply")
            self._down_until = None
        reset_after = max(0, math.ceil(reset_at - time.time()))
        return Quota(item.amount, remaining, reset_after, allowed)

    async def close(self) -> None:
        """Release the store at shutdown: Redis connections, or the in-memory expiry timer.

        Left to the garbage collector, each app's Redis sockets and pool finalizers outlive it
        and run at arbitrary points of whatever code triggers a collection later.
        """
        if isinstance(self._strategy, AsyncMovingWindow):
            if self._hits is not None:
                await self._hits.close()
            await self._strategy.storage.bridge.storage.aclose()  # type: ignore[attr-defined]
        elif isinstance(self._strategy.storage, MemoryStorage):
            self._strategy.storage.timer.cancel()

    async def ping(self) -> None:
        """Raise when the store cannot be reached (for /health/deps)."""
        if not isinstance(self._strategy, AsyncMovingWindow):
            return
        if not await self._strategy.storage.check():
            raise ConnectionError("the rate-limit store did not answer")

    async def _hit(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> Counted:
        if self._hits is not None:
            key = self._redis.prefixed_key(item.key_for(*identifiers))
            return await self._hits.hit(key, item.amount, item.get_expiry())
        strategy = cast(Strategy, self._strategy)
        allowed = strategy.hit(item, *identifiers)
        reset_at, remaining = strategy.get_window_stats(item, *identifiers)
        return allowed, reset_at, remaining
