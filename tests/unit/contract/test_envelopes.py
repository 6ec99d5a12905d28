"""A single resource is written as the handler returned it, only when it is exactly the model the
envelope holds: a subclass could carry fields the spec does not show."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from starlette.requests import Request

from app.contract.envelopes import respond_single
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
