# The Orgsites API image. Build: docker build -t orgsites-api .  (docs/deployment.md).
# No `# syntax=` directive on purpose: BuildKit would pull that frontend from Docker Hub. The
# frontend built into the engine (Docker 20.10 and newer) reads everything here, RUN --mount
# included, so an air-gapped builder needs nothing but the base image (PYTHON_IMAGE).
# Python 3.11 because requirements/app.lock was resolved for it and pins cp311 wheels.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: the locked dependencies in a virtual environment, and the precompiled app ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1
WORKDIR /app
# Only the lock file first, so this layer is reused until the lock changes. Every locked package
# ships a manylinux wheel for x86_64 and aarch64, so --only-binary needs no compiler; the venv
# gets no pip of its own (the base image's pip installs into it). The lock is complete, so
# --no-deps: pip's resolver never looks past it (an extra such as coverage[toml] would otherwise
# let it pick a newer, unpinned release), and pip check proves nothing is missing.
COPY requirements/app.lock /tmp/app.lock
RUN --mount=type=cache,target=/root/.cache/pip \
    python -m venv --without-pip /opt/venv \
    && python -m pip --python /opt/venv/bin/python install \
        --require-hashes --no-deps --only-binary=:all: -r /tmp/app.lock \
    && python -m pip --python /opt/venv/bin/python check
COPY alembic.ini ./
COPY alembic/ alembic/
COPY generated/ generated/
COPY handlers/ handlers/
COPY app/ app/
# The root filesystem is read-only at run time, so nothing can be compiled then: compile the app
# and every installed package here, valid without source mtimes.
RUN python -m compileall -q --invalidation-mode unchecked-hash \
        app generated handlers alembic /opt/venv/lib

# ---- runtime: the interpreter, the venv and the app only (no pip cache, compiler or tests) ----
FROM ${PYTHON_IMAGE} AS runtime
# The git revision orgsites_build_info reports (kept in /app/REVISION; the BUILD_REVISION
# setting overrides it): docker build --build-arg BUILD_REVISION="$(git rev-parse HEAD)" .
ARG BUILD_REVISION=unknown
LABEL org.opencontainers.image.title="orgsites-api" \
      org.opencontainers.image.description="Schema-first API for users, organizations and sites"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    APP_ENV=production \
    PROMETHEUS_MULTIPROC_DIR=/tmp/orgsites-metrics
# The standard library compiled too, in case the base image ships it without bytecode
# (otherwise each worker compiles it in memory at every start: 15 s instead of 2).
RUN python -m compileall -q -x '/(test|tests|idle_test)/' \
        "$(python -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')" \
    && groupadd --gid 10001 app \
    && useradd --uid 10001 --gid app --no-log-init --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
RUN printf '%s\n' "$BUILD_REVISION" > /app/REVISION
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4)"]
# Exec form, so uvicorn is PID 1 and receives SIGTERM itself. uvicorn 0.54 reads the worker count
# from WEB_CONCURRENCY when --workers is absent (uvicorn/config.py; default 1). The app applies
# FORWARDED_ALLOW_IPS itself, so --no-proxy-headers stops uvicorn trusting 127.0.0.1 first. On
# SIGTERM it stops accepting, waits up to 20 s for requests in flight, then runs the app's
# shutdown (closing the database pool); orchestrators must allow longer than that before SIGKILL.
# --http: uvicorn's httptools parser with the request head bounded to 32 KiB (400 and close past
# that; app/edge/server_protocol.py); plain httptools buffers any size. Slow clients are ended by the
# proxy in front (docs/deployment.md).
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000", "--no-proxy-headers", "--no-server-header", "--http", "app.edge.server_protocol:BoundedHeadProtocol", "--timeout-graceful-shutdown", "20"]
