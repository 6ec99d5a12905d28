"""app.contract.versions: the start-up check refuses what the changes do not declare; each change
converts what it names."""

from __future__ import annotations

import uuid
from typing import ClassVar

import pytest

from app.contract.versions import NEWEST_PACKAGE, OLDER
from app.contract.versions.adapter import older_implementations, relaxed
from app.contract.versions.change import VersionChange
from app.contract.versions.check import generated, version_problems
from app.contract.versions.cursor_lists import CursorLists
from app.contract.versions.deprecation import deprecation_headers
from app.contract.versions.if_match_optional import IfMatchOptional
from app.contract.versions.site_country import SiteCountry
from app.contract.versions.site_status_paused import SiteStatusPaused
from app.data.cursors import page_cursor, page_of
from app.domain.errors import FieldError, NotFound
from app.domain.pagination import Page
from app.edge.problems import error_item
from generated import models as v1
from generated.v2 import models as v2

PACKAGE, CHANGES = OLDER[1]


def problems(changes: tuple[VersionChange, ...]) -> list[str]:
    return version_problems(
        PACKAGE, NEWEST_PACKAGE, generated(PACKAGE), generated(NEWEST_PACKAGE), changes
    )


def test_v1_differs_from_v2_by_exactly_its_changes() -> None:
    assert problems(CHANGES) == []


@pytest.mark.parametrize(
    ("left_out", "named"),
    [
        (SiteCountry, "getSite (return): Site differs"),
        (SiteStatusPaused, "createSite (body): SiteStatus differs"),
        (CursorLists, "listSites: query parameters differ"),
        (IfMatchOptional, "updateSite: statuses differ"),
        (IfMatchOptional, "deleteUser: if_match_required differs"),
    ],
)
def test_leaving_out_a_change_stops_the_start(left_out: type, named: str) -> None:
    found = problems(tuple(c for c in CHANGES if not isinstance(c, left_out)))
    assert any(problem.startswith(named) for problem in found), found


def test_a_change_declaring_what_is_not_there_is_refused() -> None:
    class Wrong(VersionChange):
        name = "wrong"
        operations = frozenset({"getSite"})
        removed_fields: ClassVar = {"Site": ("colour",)}

    assert "getSite (return): wrong removes Site.colour, not in v-new" in problems(
        (*CHANGES, Wrong())
    )


def test_every_change_is_named() -> None:
    assert [change.name for change in CHANGES] == [
        "cursor_lists",
        "site_status_paused",
        "site_country",
        "if_match_optional",
    ]


def test_a_page_number_travels_as_a_cursor() -> None:
    arguments = {"page": 3, "cursor": None, "per_page": 5}
    CursorLists().request("listSites", arguments)
    assert arguments["include_total"] is True
    assert page_of(arguments["cursor"]) == 3
    sent = {"page": 3, "cursor": "given", "per_page": 5}
    CursorLists().request("listSites", sent)
    assert sent["cursor"] == "given"  # a cursor wins over a page number, as in v1
    first = {"page": 1, "cursor": None, "per_page": 5}
    CursorLists().request("listSites", first)
    assert first["cursor"] is None


def test_page_of_tells_page_cursors_from_others() -> None:
    assert page_of(page_cursor(7)) == 7
    assert page_of("WzEsImE0YjUiLDMsIkJlcmxpbiIsIjdjOWUiXQ") is None
    assert page_of("!!") is None
    with pytest.raises(NotFound):
        page_of(page_cursor(0))


def test_status_renames_both_ways() -> None:
    change = SiteStatusPaused()
    arguments = {"status": "inactive", "body": {"status": "inactive", "name": "x"}}
    change.request("updateSite", arguments)
    assert arguments == {"status": "paused", "body": {"status": "paused", "name": "x"}}
    site = {"status": "paused"}
    change.resource("Site", site)
    assert site == {"status": "inactive"}
    other = {"status": "paused"}
    change.resource("Member", other)
    assert other == {"status": "paused"}


def test_v1_creates_are_validated_with_country_optional() -> None:
    model = relaxed(v2.SiteCreate, ["country"])
    body = model.model_validate({"name": "a", "timezone": "UTC"})
    assert isinstance(body, v2.SiteCreate)
    assert body.country is None
    with pytest.raises(ValueError, match="country"):
        model.model_validate({"name": "a", "timezone": "UTC", "country": "XX"})


class Sites:
    """A v2 sites handler double recording what it was called with (the adapter's input)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, object]] = []

    async def list_sites(self, ctx: object, **kwargs: object) -> Page[v2.Site]:
        self.calls.append(kwargs)
        row = {"id": uuid.uuid4(), "status": "paused", "country": "DE", "name": "n"}
        return Page([row], 1, 2, 1, None, False)

    async def get_site(self, ctx: object, **kwargs: object) -> v2.Site:
        self.calls.append(kwargs)
        return v2.Site.model_validate(
            {
                "id": str(uuid.uuid4()),
                "organization_id": str(uuid.uuid4()),
                "name": "n",
                "address": None,
                "timezone": "UTC",
                "country": "DE",
                "status": "paused",
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
            }
        )

    async def not_called(self, ctx: object, **kwargs: object) -> None:
        raise AssertionError("not called by these tests")

    create_site = update_site = delete_site = not_called


async def test_the_adapter_converts_requests_and_answers() -> None:
    sites = Sites()
    adapter = older_implementations(
        {"sites": sites}, PACKAGE, NEWEST_PACKAGE, generated(PACKAGE), CHANGES
    )["sites"]
    org = uuid.uuid4()
    page = await adapter.list_sites(  # type: ignore[attr-defined]
        None,
        org_id=org,
        page=2,
        per_page=1,
        cursor=None,
        q=None,
        status=v1.SiteStatus.inactive,
        sort="name",
    )
    call = sites.calls[-1]
    assert call["status"] is v2.SiteStatus.paused
    assert call["include_total"] is True
    assert page_of(str(call["cursor"])) == 2
    assert page.numbered
    assert page.items[0]["status"] == "inactive"
    assert "country" not in page.items[0]
    site = await adapter.get_site(None, org_id=org, site_id=uuid.uuid4())  # type: ignore[attr-defined]
    assert type(site) is v1.Site
    assert site.status is v1.SiteStatus.inactive


@pytest.mark.parametrize(
    ("error", "item"),
    [
        (FieldError("body.name", "m", "t"), {"pointer": "/name", "detail": "m", "type": "t"}),
        (FieldError("body", "m", "t"), {"pointer": "", "detail": "m", "type": "t"}),
        (
            FieldError("body.a/b.0", "m", "t", ("body", "a/b~c", 0)),
            {"pointer": "/a~1b~0c/0", "detail": "m", "type": "t"},
        ),
        (
            FieldError("query.per_page", "m", "t"),
            {"parameter": "per_page", "detail": "m", "type": "t"},
        ),
        (FieldError("path.org_id", "m", "t"), {"parameter": "org_id", "detail": "m", "type": "t"}),
    ],
)
def test_v2_error_items_point_into_the_body_or_name_the_parameter(
    error: FieldError, item: dict[str, str]
) -> None:
    assert error_item(error) == item


def test_deprecation_headers() -> None:
    import datetime as dt

    assert dict(deprecation_headers(dt.date(2028, 1, 31))) == {
        b"deprecation": b"@1796601600",
        b"sunset": b"Mon, 31 Jan 2028 00:00:00 GMT",
        b"link": b'</docs/migrating-to-v2>; rel="deprecation"; type="text/markdown"',
    }
