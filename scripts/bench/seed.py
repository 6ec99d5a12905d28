"""Benchmark data: a user who owns one organization with N sites.

Small seeds (make bench) go through the app's repositories on any database; large ones
(make bench-scale) are one generate_series INSERT on PostgreSQL. Both are idempotent: an
organization already seeded with the wanted number of sites is reused.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy import select

from app.access.passwords import PasswordHasher
from app.config.settings import Settings
from app.data.database import Database, utcnow
from app.data.models import Membership, Organization, Site, User
from app.data.repositories.sites import SiteRepository
from app.domain.rbac import Role

EMAIL = "bench@example.com"
PASSWORD = "bench-password-1234"  # noqa: S105 - a throwaway benchmark account
CITIES = [
    "Berlin", "Paris", "Madrid", "Rome", "Vienna", "Prague", "Warsaw", "Lisbon", "Dublin", "Oslo",
    "Helsinki", "Athens", "Sofia", "Zagreb", "Riga", "Tallinn", "Vilnius", "Bern", "Brussels",
    "Amsterdam", "Copenhagen", "Stockholm", "Budapest", "Bratislava", "Ljubljana", "Valletta",
    "Nicosia", "Luxembourg", "Reykjavik", "Tirana", "Skopje", "Podgorica", "Sarajevo", "Chisinau",
    "Kyiv", "Minsk", "Tbilisi", "Yerevan", "Baku", "Ankara", "Hamburg", "Munich", "Cologne",
    "Frankfurt", "Stuttgart", "Dresden", "Leipzig", "Hanover", "Bremen", "Nuremberg", "Lyon",
    "Marseille", "Toulouse", "Nice", "Nantes", "Bordeaux", "Lille", "Porto", "Seville",
    "Valencia", "Bilbao", "Malaga", "Milan", "Naples", "Turin", "Florence", "Venice", "Bologna",
    "Genoa", "Palermo", "Krakow", "Gdansk", "Wroclaw", "Poznan", "Lodz", "Brno", "Ostrava",
    "Graz", "Linz", "Salzburg", "Innsbruck", "Zurich", "Geneva", "Basel", "Lausanne", "Antwerp",
    "Ghent", "Bruges", "Rotterdam", "Utrecht", "Eindhoven", "Aarhus", "Odense", "Gothenburg",
    "Malmo", "Uppsala", "Bergen", "Trondheim", "Stavanger", "Tampere", "Turku", "Oulu",
    "Thessaloniki", "Patras", "Plovdiv", "Varna", "Split", "Rijeka", "Kaunas", "Tartu", "Cork",
    "Galway", "Limerick", "Edinburgh", "Glasgow", "Manchester", "Liverpool", "Leeds", "Bristol",
    "Cardiff", "Belfast", "Aberdeen", "Dundee", "Oxford", "Cambridge", "York", "Bath", "Brighton",
    "Coimbra", "Braga", "Faro", "Cadiz", "Granada", "Cordoba", "Zaragoza", "Murcia", "Alicante",
    "Palma", "Verona", "Padua", "Trieste", "Bari", "Catania", "Cagliari", "Pisa", "Siena", "Lucca",
    "Parma", "Modena", "Rimini", "Ancona", "Perugia", "Pescara", "Salerno",
]  # fmt: skip
"""Addresses cycle through these, so `q=<city>` matches about 1/150 of the sites (< 1%)."""
STATUSES = ("active",) * 16 + ("inactive",) * 3 + ("archived",)
"""80% active, 15% inactive, 5% archived."""


@dataclass(frozen=True)
class Fixture:
    """What a benchmark needs to build its requests."""

    org_id: uuid.UUID
    site_id: uuid.UUID
    sites: int


ROOT = Path(__file__).resolve().parents[2]


def migrate(url: str) -> None:
    """Bring the database to the latest migration."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


async def _owner(database: Database, settings: Settings) -> uuid.UUID:
    async with database.session() as session:
        user_id = await session.scalar(select(User.id).where(User.email == EMAIL))
        if user_id is None:
            user = User(
                email=EMAIL,
                full_name="Bench Owner",
                password_hash=await PasswordHasher(settings).hash(PASSWORD),
                is_active=True,
                is_superadmin=False,
            )
            session.add(user)
            await session.commit()
            user_id = user.id
        return user_id


async def _organization(database: Database, owner: uuid.UUID, slug: str) -> uuid.UUID:
    async with database.session() as session:
        org_id = await session.scalar(select(Organization.id).where(Organization.slug == slug))
        if org_id is None:
            organization = Organization(name=f"Bench {slug}", slug=slug)
            session.add(organization)
            await session.flush()
            session.add(
                Membership(organization_id=organization.id, user_id=owner, role=Role.OWNER.value)
            )
            await session.commit()
            org_id = organization.id
        return org_id


async def _first_site(database: Database, org_id: uuid.UUID) -> uuid.UUID:
    async with database.session() as session:
        site_id = await session.scalar(
            select(Site.id).where(Site.organization_id == org_id).order_by(Site.id).limit(1)
        )
        assert site_id is not None  # noqa: S101 - seeded just before
        return site_id


async def _seed_small(url: str, slug: str, sites: int) -> Fixture:
    settings = Settings(DATABASE_URL=url, APP_ENV="development")
    database = Database(settings)
    try:
        owner = await _owner(database, settings)
        org_id = await _organization(database, owner, slug)
        async with database.session() as session:
            repository = SiteRepository(session)
            missing = sites - await repository.total(org_id, None)
            for n in range(missing):
                await repository.add(
                    Site(
                        organization_id=org_id,
                        name=f"Site {n:06d}",
                        address=f"{n} Main Street, {CITIES[n % len(CITIES)]}",
                        timezone="Europe/Berlin",
                        status=STATUSES[n % len(STATUSES)],
                    )
                )
            await session.commit()
        return Fixture(org_id, await _first_site(database, org_id), sites)
    finally:
        await database.dispose()


def seed_small(url: str, *, slug: str = "bench", sites: int = 200) -> Fixture:
    """A migrated database with the bench user owning `slug` with `sites` sites (any database)."""
    migrate(url)
    return asyncio.run(_seed_small(url, slug, sites))


BULK_INSERT = """
INSERT INTO sites (id, organization_id, name, address, timezone, status, created_at, updated_at)
SELECT gen_random_uuid(), %(org)s, 'Site ' || lpad(i::text, 7, '0'),
       i || ' Main Street, ' || (%(cities)s::text[])[1 + i %% %(ncities)s],
       'Europe/Berlin', (%(statuses)s::text[])[1 + i %% %(nstatuses)s],
       %(now)s - make_interval(secs => i), %(now)s - make_interval(secs => i)
FROM generate_series(%(start)s, %(stop)s - 1) AS i
"""
RECOUNT = """
INSERT INTO site_counters (organization_id, status, sites)
SELECT organization_id, status, count(*) FROM sites WHERE organization_id = %(org)s
GROUP BY organization_id, status
ON CONFLICT (organization_id, status) DO UPDATE SET sites = excluded.sites
"""


def libpq_dsn(url: str) -> str:
    """postgresql+psycopg://... as psycopg's own connection string."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def seed_bulk(url: str, *, slug: str, sites: int) -> Fixture:
    """An organization with `sites` sites on PostgreSQL, inserted by one generate_series
    statement (not the API), then counted and vacuumed so plans see real statistics."""
    fixture = seed_small(url, slug=slug, sites=1)
    with psycopg.connect(libpq_dsn(url), autocommit=True) as connection:
        have = connection.execute(
            "SELECT coalesce(sum(sites), 0) FROM site_counters WHERE organization_id = %s",
            (fixture.org_id,),
        ).fetchone()
        have_sites = int(have[0]) if have else 0
        if have_sites < sites:
            started = time.monotonic()
            connection.execute(
                BULK_INSERT,
                {
                    "org": fixture.org_id,
                    "cities": CITIES,
                    "ncities": len(CITIES),
                    "statuses": list(STATUSES),
                    "nstatuses": len(STATUSES),
                    "now": utcnow(),
                    "start": have_sites,
                    "stop": sites,
                },
            )
            connection.execute(RECOUNT, {"org": fixture.org_id})
            connection.execute("VACUUM ANALYZE sites")
            connection.execute("VACUUM ANALYZE site_counters")
            print(
                f"seeded {sites - have_sites} sites into {slug} "
                f"in {time.monotonic() - started:.1f} s"
            )
    return Fixture(fixture.org_id, fixture.site_id, sites)
