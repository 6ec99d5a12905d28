"""Slugs derived from organization names."""

from __future__ import annotations

import pytest

from handlers.slugs import MAX_SLUG_LENGTH, free_slug, slugify


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Acme Corp", "acme-corp"),
        ("  Ünïcödé — Name!! ", "unicode-name"),
        ("日本", "org"),
        ("a" * 80, "a" * 64),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_free_slug_counts_up_within_the_limit() -> None:
    assert free_slug("acme", set()) == "acme"
    assert free_slug("acme", {"acme", "acme-2"}) == "acme-3"
    long = "a" * MAX_SLUG_LENGTH
    assert len(free_slug(long, {long})) == MAX_SLUG_LENGTH
