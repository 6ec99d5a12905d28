"""The ETag the route concludes a response with: added once, or replacing one already there."""

from __future__ import annotations

from typing import Any, cast

import pytest
from fastapi import Response

from app.contract.envelopes import JSONBody
from app.contract.preconditions import conclude
from app.data.database import Database
from app.data.unit_of_work import UnitOfWork
from app.domain.etags import EntityTags
from generated.v2.operations import OPERATIONS

GET_SITE = OPERATIONS["getSite"]  # x-resource: site


def _unit_of_work() -> UnitOfWork:
    work = UnitOfWork(cast(Database, None), read_only=True)  # concluding never opens it
    work.versions.resource = "site"
    work.versions.seen("site", "the-id", 3)
    return work


@pytest.mark.parametrize(
    "response",
    [JSONBody(b"{}", status_code=200), Response(b"{}", headers={"ETag": '"stale"'})],
    ids=["without", "with an ETag"],
)
def test_the_response_carries_one_etag_the_ledger_saw(response: Response) -> None:
    work = _unit_of_work()
    concluded = conclude(GET_SITE, work, None, response)
    tags = [value for name, value in concluded.raw_headers if name == b"etag"]
    assert tags == [cast(Any, work.versions.tag_of("site")).encode()]


def test_a_matching_if_none_match_is_answered_304_with_the_etag() -> None:
    work = _unit_of_work()
    tag = cast(str, work.versions.tag_of("site"))
    concluded = conclude(GET_SITE, work, EntityTags.parse(tag), JSONBody(b"{}", status_code=200))
    assert concluded.status_code == 304
    assert concluded.headers["etag"] == tag
