"""The limiter's small parts: quotas, their headers, and counter names."""

from __future__ import annotations

from app.rate_limits import Quota, account_key


def test_quota_headers() -> None:
    assert Quota(limit=5, remaining=2, reset_after=41, allowed=True).headers() == {
        "RateLimit-Limit": "5",
        "RateLimit-Remaining": "2",
        "RateLimit-Reset": "41",
    }


def test_the_tightest_quota_has_fewest_left_then_the_latest_reset() -> None:
    roomy = Quota(limit=20, remaining=19, reset_after=60, allowed=True)
    tight = Quota(limit=5, remaining=1, reset_after=10, allowed=True)
    tight_later = Quota(limit=5, remaining=1, reset_after=50, allowed=True)
    assert tight.tighter_than(None)
    assert tight.tighter_than(roomy)
    assert not roomy.tighter_than(tight)
    assert tight_later.tighter_than(tight)


def test_account_keys_ignore_case_and_spaces_and_hide_the_address() -> None:
    key = account_key("Ada@Example.com ")
    assert key == account_key("ada@example.com")
    assert key != account_key("bob@example.com")
    assert "ada" not in key
