"""A realistic load against a running server: `locust -f tests/performance/locustfile.py`.

Each simulated user signs in (the first superadmin of `make run`, or LOCUST_EMAIL /
LOCUST_PASSWORD), works in an organization of its own and then, with its own access token,
mostly reads (lists, the next page, search, one site) and sometimes writes (create, update).
Defaults (headless, host, users, run time) are in pyproject.toml under [tool.locust]; start the
server with rate limits off, as docs/performance.md says.
"""

from __future__ import annotations

import os
import random
import uuid
from typing import Any

from locust import HttpUser, between, task

EMAIL = os.environ.get("LOCUST_EMAIL", "admin@example.com")
PASSWORD = os.environ.get("LOCUST_PASSWORD", "change-me-please")
STARTING_SITES = 30
CITIES = ("Berlin", "Paris", "Madrid", "Rome", "Vienna", "Prague", "Lisbon", "Oslo")


class ApiUser(HttpUser):
    """One person using the API: signs in once, then browses and edits sites."""

    wait_time = between(0.1, 1.0)

    def on_start(self) -> None:
        """Sign in and set up an organization with some sites."""
        response = self.client.post(
            "/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD}, name="sign in"
        )
        response.raise_for_status()
        token = response.json()["data"]["access_token"]
        self.client.headers["Authorization"] = f"Bearer {token}"
        name = f"Load {uuid.uuid4().hex[:8]}"
        created = self.client.post("/api/v1/organizations", json={"name": name})
        created.raise_for_status()
        self.sites_url = f"/api/v1/organizations/{created.json()['data']['id']}/sites"
        self.site_ids: list[str] = []
        for _ in range(STARTING_SITES):
            self.create_site()

    def _site(self) -> dict[str, Any]:
        city = random.choice(CITIES)  # noqa: S311 - test data, not cryptography
        return {
            "name": f"{city} {uuid.uuid4().hex[:6]}",
            "address": f"{random.randint(1, 200)} Main Street, {city}",  # noqa: S311
            "timezone": "Europe/Berlin",
        }

    @task(6)
    def list_sites(self) -> None:
        """The first page, as a dashboard shows it."""
        self.client.get(self.sites_url, params={"per_page": 10}, name="list sites")

    @task(3)
    def next_page(self) -> None:
        """Follow links.next of the first page (a cursor once past it)."""
        first = self.client.get(
            self.sites_url, params={"per_page": 5, "sort": "name"}, name="list sites by name"
        )
        cursor = first.json()["meta"]["next_cursor"]
        if cursor:
            self.client.get(
                self.sites_url,
                params={"per_page": 5, "sort": "name", "cursor": cursor},
                name="next page (cursor)",
            )

    @task(2)
    def search(self) -> None:
        """Search by city."""
        q = random.choice(CITIES).lower()  # noqa: S311
        self.client.get(self.sites_url, params={"q": q}, name="search sites")

    @task(4)
    def read_site(self) -> None:
        """One site."""
        if self.site_ids:
            site_id = random.choice(self.site_ids)  # noqa: S311
            self.client.get(f"{self.sites_url}/{site_id}", name="get site")

    @task(1)
    def create_site(self) -> None:
        """A new site."""
        response = self.client.post(self.sites_url, json=self._site(), name="create site")
        if response.status_code == 201:
            self.site_ids.append(response.json()["data"]["id"])

    @task(1)
    def update_site(self) -> None:
        """Rename a site or change its status."""
        if self.site_ids:
            site_id = random.choice(self.site_ids)  # noqa: S311
            change = random.choice(  # noqa: S311
                [{"name": f"Renamed {uuid.uuid4().hex[:6]}"}, {"status": "inactive"}]
            )
            self.client.patch(f"{self.sites_url}/{site_id}", json=change, name="update site")
