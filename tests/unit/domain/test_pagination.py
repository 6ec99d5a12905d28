"""Page meta and links."""

from __future__ import annotations

from app.domain.pagination import Page


def test_links_keep_other_parameters_and_stop_at_the_ends() -> None:
    page: Page[object] = Page(items=[{"id": 1}, {"id": 2}], total=25, page=2, per_page=10)
    links = page.links("/api/v1/x", "q=a+b&page=2&per_page=10&status=active")
    assert links == {
        "self": "/api/v1/x?q=a+b&status=active&page=2&per_page=10",
        "first": "/api/v1/x?q=a+b&status=active&page=1&per_page=10",
        "last": "/api/v1/x?q=a+b&status=active&page=3&per_page=10",
        "next": "/api/v1/x?q=a+b&status=active&page=3&per_page=10",
        "prev": "/api/v1/x?q=a+b&status=active&page=1&per_page=10",
    }
    assert page.meta() == {
        "page": 2,
        "per_page": 10,
        "total": 25,
        "total_pages": 3,
        "next_cursor": None,
    }


def test_empty_result_has_one_page_of_links() -> None:
    page: Page[object] = Page(items=[], total=0, page=1, per_page=10)
    links = page.links("/x", "")
    assert links["last"] == "/x?page=1&per_page=10"
    assert links["next"] is None and links["prev"] is None
    assert page.meta()["total_pages"] == 0
