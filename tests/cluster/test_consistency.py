"""Consistency across instances: what one instance does, the others see on the next request
(sessions, roles, rate-limit budgets, idempotency records, metrics), whether a client addresses
an instance directly or goes through HAProxy."""

from __future__ import annotations

import itertools
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.cluster.api import TARGETS, Api, Session, Target
from tests.cluster.conftest import PER_ACCOUNT_SIGN_INS, PER_USER_REQUESTS
from tests.metrics_scrape import parse, requests

CALLERS = 8
"""Clients at once for the per-user limit (the budget is shared, whoever spends it)."""
INSTANCE_NUMBERS = [target for target in TARGETS if target is not None]
METRICS_WAIT = 60.0
"""How long the instances' metrics may take to add up (each worker writes its counts every
second): a bound on waiting, not a timed assertion."""


def me(api: Api, session: Session, target: Target) -> httpx.Response:
    return api.call("GET", "/api/v1/users/me", target=target, session=session)


def test_sign_out_on_one_instance_ends_the_session_on_all(api: Api) -> None:
    session = api.new_session("signout")
    for target in TARGETS:
        assert me(api, session, target).status_code == 200
    signed_out = api.call(
        "POST", "/api/v1/auth/logout", target=1, json={"refresh_token": session.refresh_token}
    )
    assert signed_out.status_code == 204, signed_out.text
    for target in TARGETS:
        after = me(api, session, target)
        assert after.status_code == 401, (target, after.text)
    refreshed = api.call(
        "POST", "/api/v1/auth/refresh", target=2, json={"refresh_token": session.refresh_token}
    )
    assert refreshed.status_code == 401, refreshed.text


def test_a_role_change_is_seen_by_every_instance_on_the_next_request(api: Api) -> None:
    owner = api.new_session("owner")
    organization = api.new_organization(owner)
    email, password = api.new_user("member")
    member = api.sign_in(email, password)
    path = f"/api/v1/organizations/{organization}"
    added = api.call(
        "POST", f"{path}/members", session=owner, json={"email": email, "role": "member"}
    )
    assert added.status_code == 201, added.text
    member_id = added.json()["data"]["user_id"]
    for target in TARGETS:
        refused = api.call("PATCH", path, target=target, session=member, json={"name": "Renamed"})
        assert refused.status_code == 403, (target, refused.text)

    promoted = api.call(
        "PATCH", f"{path}/members/{member_id}", target=3, session=owner, json={"role": "admin"}
    )
    assert promoted.status_code == 200, promoted.text
    for target in TARGETS:
        renamed = api.call(
            "PATCH", path, target=target, session=member, json={"name": f"Renamed {target}"}
        )
        assert renamed.status_code == 200, (target, renamed.text)


def test_the_per_account_sign_in_limit_holds_across_instances(api: Api) -> None:
    email, password = api.new_user("limited")
    attempts = 3 * len(TARGETS)
    statuses = Counter(
        api.login(email, password, target=target).status_code
        for target in itertools.islice(itertools.cycle(TARGETS), attempts)
    )
    assert statuses == {200: PER_ACCOUNT_SIGN_INS, 429: attempts - PER_ACCOUNT_SIGN_INS}


def test_the_per_user_limit_holds_across_instances(api: Api) -> None:
    session = api.new_session("busy")
    extra = 20
    targets = itertools.islice(itertools.cycle(TARGETS), PER_USER_REQUESTS + extra)
    with ThreadPoolExecutor(CALLERS) as pool:
        statuses = Counter(pool.map(lambda target: me(api, session, target).status_code, targets))
    assert statuses == {200: PER_USER_REQUESTS, 429: extra}


def test_an_idempotency_key_replayed_on_another_instance_returns_the_first_answer(
    api: Api,
) -> None:
    owner = api.new_session("idempotent")
    key = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"name": f"Replayed {uuid.uuid4().hex[:8]}"}
    first = api.call(
        "POST", "/api/v1/organizations", target=1, session=owner, json=body, headers=key
    )
    assert first.status_code == 201, first.text
    for target in (2, 3, None):
        again = api.call(
            "POST", "/api/v1/organizations", target=target, session=owner, json=body, headers=key
        )
        assert again.status_code == 201, (target, again.text)
        assert again.content == first.content
        assert again.headers.get("Idempotent-Replayed") == "true"
    mine = api.call("GET", "/api/v1/organizations", session=owner)
    assert [org["name"] for org in mine.json()["data"]] == [body["name"]]


def count_reads_of_me(api: Api) -> float:
    """GET /users/me answered 2xx, summed over every instance's /metrics."""
    return sum(
        requests(parse(api.metrics(number)), "getCurrentUser", "GET", "2xx")
        for number in INSTANCE_NUMBERS
    )


def test_metrics_of_the_instances_sum_to_the_requests_sent(api: Api) -> None:
    session = api.new_session("counted")
    before = count_reads_of_me(api)
    sent = 4 * len(TARGETS)
    for target in itertools.islice(itertools.cycle(TARGETS), sent):
        assert me(api, session, target).status_code == 200
    deadline = time.monotonic() + METRICS_WAIT
    while (counted := count_reads_of_me(api) - before) < sent and time.monotonic() < deadline:
        time.sleep(0.5)
    assert counted == sent
