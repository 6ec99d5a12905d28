"""v2 change 6: v1 is deprecated, not removed.

Every v1 response carries `Deprecation: @<unix time>` (RFC 9745) of v2's release, `Sunset:
<HTTP-date>` (RFC 8594) from the API_V1_SUNSET setting (default: twelve months after the
release) and `Link: </docs/migrating-to-v2>; rel="deprecation"` to the served migration guide.
v2 responses carry none of them. (v1's operations are marked `deprecated: true` in its document.)
"""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime

V2_RELEASED = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
"""When v2 was released: v1's deprecation date (the sunset's default is twelve months later,
app.config.settings.Settings.API_V1_SUNSET)."""
GUIDE = "/docs/migrating-to-v2"
DEPRECATION_HEADERS = frozenset({"Deprecation", "Sunset", "Link"})
"""The response headers only a deprecated version's document declares."""


def deprecation_headers(sunset: dt.date) -> tuple[tuple[bytes, bytes], ...]:
    """The headers every v1 response carries, as ASGI byte pairs."""
    at = dt.datetime.combine(sunset, dt.time(), tzinfo=dt.UTC)
    return (
        (b"deprecation", f"@{int(V2_RELEASED.timestamp())}".encode()),
        (b"sunset", format_datetime(at, usegmt=True).encode()),
        (b"link", f'<{GUIDE}>; rel="deprecation"; type="text/markdown"'.encode()),
    )
