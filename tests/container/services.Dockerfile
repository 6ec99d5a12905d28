# Local stand-ins for the compose stack's postgres:16-bookworm and redis:7.4-alpine images, for the
# container smoke test only (no registry is reachable there): Debian 12's own PostgreSQL 15 and
# Redis 7.0 on the stand-in base image, with entrypoints that behave as the official ones do for
# what docker-compose.yml uses (POSTGRES_* variables, data in PGDATA, pg_isready, redis-cli ping).
ARG BASE_IMAGE
FROM ${BASE_IMAGE} AS postgres
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-unsafe-io postgresql-15 \
    && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/
EXPOSE 5432
ENTRYPOINT ["postgres-entrypoint.sh"]

FROM ${BASE_IMAGE} AS redis
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-unsafe-io redis-server \
    && rm -rf /var/lib/apt/lists/*
COPY redis-entrypoint.sh /usr/local/bin/
EXPOSE 6379
ENTRYPOINT ["redis-entrypoint.sh"]
CMD ["redis-server"]
