"""Calls to a live cluster, through HAProxy or straight to one instance, as small typed helpers
(the checks read as what they prove, not as HTTP plumbing)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from scripts.cluster.layout import INSTANCES, Layout

TIMEOUT = 60.0
"""Per call: generous, the machine is shared; no check depends on how fast an answer comes."""
Target = int | None
"""An instance's number, or None for HAProxy."""
TARGETS: list[Target] = [None, *range(1, INSTANCES + 1)]


@dataclass(frozen=True)
class Session:
    """A signed-in user."""

    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


class Api:
    """The cluster's API."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.admin = self.sign_in(layout.credentials.admin_email, layout.credentials.admin_password)

    def url(self, target: Target = None) -> str:
        return self.layout.url if target is None else self.layout.instance_url(target)

    def call(
        self,
        method: str,
        path: str,
        *,
        target: Target = None,
        session: Session | None = None,
        json: object = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = (session.headers if session else {}) | (headers or {})
        return httpx.request(
            method, self.url(target) + path, headers=sent, json=json, timeout=TIMEOUT
        )

    def login(self, email: str, password: str, *, target: Target = None) -> httpx.Response:
        return self.call(
            "POST", "/api/v1/auth/login", target=target, json={"email": email, "password": password}
        )

    def sign_in(self, email: str, password: str, *, target: Target = None) -> Session:
        answer = self.login(email, password, target=target)
        assert answer.status_code == 200, answer.text
        data = answer.json()["data"]
        return Session(email, data["access_token"], data["refresh_token"])

    def new_user(self, prefix: str = "user") -> tuple[str, str]:
        """A new active user (created by the superadmin): its email and password."""
        email = f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"
        password = "correct-horse-" + uuid.uuid4().hex
        created = self.call(
            "POST",
            "/api/v1/users",
            session=self.admin,
            json={"email": email, "password": password, "full_name": prefix.title()},
        )
        assert created.status_code == 201, created.text
        return email, password

    def new_session(self, prefix: str = "user") -> Session:
        return self.sign_in(*self.new_user(prefix))

    def new_organization(self, owner: Session, name: str | None = None) -> str:
        created = self.call(
            "POST",
            "/api/v1/organizations",
            session=owner,
            json={"name": name or f"Org {uuid.uuid4().hex[:10]}"},
        )
        assert created.status_code == 201, created.text
        return str(created.json()["data"]["id"])

    def metrics(self, target: int) -> str:
        answer = self.call(
            "GET",
            "/metrics",
            target=target,
            headers={"Authorization": f"Bearer {self.layout.credentials.metrics_token}"},
        )
        assert answer.status_code == 200, answer.text
        return answer.text
