"""A single resource is written as the handler returned it, only when it is exactly the model the
envelope holds: a subclass could carry fields the spec does not show."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import uuid
import zoneinfo

import pytest
from pydantic_core import to_json
from starlette.requests import Request
from starlette.responses import Response

from app.contract.envelopes import JSONBody, plain_json, respond_single
from generated.models import Site, SiteEnvelope

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)


def _request(path: str) -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}
    )


def _site(model: type[Site] = Site, **extra: object) -> Site:
    return model.model_validate(
        {
            "id": uuid.UUID(int=1),
            "organization_id": uuid.UUID(int=2),
            "name": "Depot",
            "address": None,
            "timezone": "UTC",
            "status": "active",
            "created_at": NOW,
            "updated_at": NOW,
            **extra,
        }
    )


def test_the_body_is_what_the_envelope_model_would_write() -> None:
    site = _site()
    response = respond_single(
        _request("/api/v1/x"), SiteEnvelope, site, status_code=200, location_field=None
    )
    expected = SiteEnvelope(data=site, links={"self": "/api/v1/x"}).model_dump_json(by_alias=True)
    assert json.loads(response.body) == json.loads(expected)
    assert response.body == expected.encode()


def test_a_created_resource_links_itself_and_says_where() -> None:
    response = respond_single(
        _request("/api/v1/sites"), SiteEnvelope, _site(), status_code=201, location_field="id"
    )
    location = f"/api/v1/sites/{uuid.UUID(int=1)}"
    assert response.headers["location"] == location
    assert json.loads(response.body)["links"] == {"self": location}


def test_anything_but_the_envelopes_own_model_is_refused() -> None:
    class SiteWithSecret(Site):
        secret: str = "hidden"

    with pytest.raises(TypeError, match="SiteEnvelope holds Site"):
        respond_single(
            _request("/x"),
            SiteEnvelope,
            _site(SiteWithSecret),
            status_code=200,
            location_field=None,
        )


class Status(enum.StrEnum):
    ACTIVE = "active"


PLAIN_VALUES: list[object] = [
    *(
        dt.datetime(2026, 12, 8, 2, 58, 17, micro, tzinfo=zone)
        for micro in (0, 5, 123456)
        for zone in (
            dt.UTC,
            zoneinfo.ZoneInfo("Etc/UTC"),  # what psycopg gives a timestamptz
            dt.timezone(dt.timedelta(hours=-3, minutes=-30)),
            zoneinfo.ZoneInfo("Europe/Paris"),
            None,
        )
    ),
    dt.date(2026, 1, 2),
    uuid.UUID(int=7),
    Status.ACTIVE,
    'é \u2028 " \\ / < > \x00',
    0.1,
    1e20,
    -(2**63),
    2**64 - 1,
    True,
    None,
    [1, (2, 3), []],
    {"data": [{"id": uuid.UUID(int=1), "at": NOW}], "meta": {"next_cursor": None}},
]


@pytest.mark.parametrize("value", PLAIN_VALUES, ids=repr)
def test_plain_values_are_written_as_pydantic_writes_them(value: object) -> None:
    assert plain_json(value) == to_json(value)


@pytest.mark.parametrize("value", [decimal.Decimal("1.10"), 2**70, {"n": [2**70]}], ids=repr)
def test_what_orjson_does_not_take_is_written_by_pydantic(value: object) -> None:
    assert plain_json(value) == to_json(value)


@pytest.mark.parametrize(
    ("status", "headers"), [(200, None), (201, {"Location": "/api/v2/organizations/x"})]
)
def test_a_json_body_has_the_headers_starlette_would_give_it(
    status: int, headers: dict[str, str] | None
) -> None:
    body = b'{"data":{}}'
    starlette = Response(body, status_code=status, headers=headers, media_type="application/json")
    ours = JSONBody(body, status_code=status, headers=headers)
    assert ours.raw_headers == starlette.raw_headers
    assert (ours.body, ours.status_code, ours.media_type) == (body, status, "application/json")
