"""The limiter's small parts: quotas, their headers, and counter names."""

from __future__ import annotations

import pytest

from app.access.rate_limit_policy import sign_in_account
from app.access.rate_limits import Quota


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


@pytest.mark.parametrize(
    "spelling",
    [
        "Ada@Example.com",
        "ADA@EXAMPLE.COM",
        "\uff41da@example.com",  # fullwidth a
        "ada@examp\uff4ce.com",  # fullwidth l
        "\uff21\uff24\uff21@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.com",
        "<ada@example.com>",  # a form EmailStr reads as the bare address
    ],
)
def test_every_spelling_of_an_address_is_one_sign_in_account(spelling: str) -> None:
    assert sign_in_account(spelling) == sign_in_account("ada@example.com")


def test_sign_in_accounts_differ_by_address_and_hide_it() -> None:
    key = sign_in_account("ada@b\u00fccher.example")
    assert key == sign_in_account("ada@xn--bcher-kva.example")
    assert key != sign_in_account("ada@bucher.example")
    assert sign_in_account("ada@example.com") != sign_in_account("bob@example.com")
    assert "ada" not in key
    # What validation refuses is never looked up, and still counted by its spelling.
    assert sign_in_account(" ada@example.com") != sign_in_account("ada@example.com")
    assert sign_in_account("not an email") == sign_in_account("not an email")
