#!/usr/bin/env bash
# Container smoke test (`make container-test`; .ci/run runs it): the image built from the
# unchanged Dockerfile and the docker-compose stack, run for real and checked end to end.
#
#  1. A container engine: Debian's docker.io, docker-compose (v1) and mmdebstrap are installed
#     when missing (needs root), and dockerd is started when it is not running. If no engine can
#     start, the test FAILS: it never passes without having run.
#  2. Images without a registry: a stand-in for the base image (base_image.sh), stand-ins for
#     PostgreSQL and Redis (services.Dockerfile), each tagged by a hash of what builds it and
#     reused while it exists; then the project's image (Docker's layer cache makes a rebuild quick).
#  3. The image alone, as production runs it: read-only root, non-root user, no capabilities,
#     against PostgreSQL. The migration, then the server: ready within READY_TIMEOUT, every
#     module it loads precompiled.
#  4. The compose stack with docker-compose.override.yml: db, redis, migrate, api; sign in and
#     create an organization through the published port.
#
# Everything it starts (containers, networks, volumes, and dockerd itself) is removed or stopped
# by id on exit, whatever happens. Images stay, as the cache of the next run.
set -euo pipefail
cd "$(dirname "$0")/../.."

HERE=tests/container
APP_IMAGE=orgsites-api:container-test
READY_TIMEOUT=60
# Debian's client, matching Debian's engine (a newer client elsewhere on PATH wants buildx).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export DOCKER_BUILDKIT=1 COMPOSE_DOCKER_CLI_BUILD=1

started=$SECONDS
run_id="orgsites-ctest-$$"
containers=()
network=""
compose_up=""
dockerd_pid=""
work=$(mktemp -d)

log() { printf '[container-test %4ds] %s\n' $((SECONDS - started)) "$*"; }
fail() {
    printf '\n!!!!!!!! CONTAINER TEST FAILED: %s !!!!!!!!\n\n' "$*" >&2
    exit 1
}

compose() {
    docker-compose --project-name "$run_id" --env-file "$work/compose.env" \
        --file docker-compose.yml --file "$HERE/docker-compose.override.yml" "$@"
}

cleanup() {
    local status=$?
    trap - EXIT
    set +e
    if ((status != 0)); then
        for id in "${containers[@]}"; do
            echo "---- logs of container $id" >&2
            docker logs --tail 40 "$id" >&2 2>&1
        done
        [[ -n "$compose_up" ]] && compose logs --tail 40 >&2 2>&1
    fi
    [[ -n "$compose_up" ]] && compose down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1
    for id in "${containers[@]}"; do docker rm --force --volumes "$id" >/dev/null 2>&1; done
    [[ -n "$network" ]] && docker network rm "$network" >/dev/null 2>&1
    if [[ -n "$dockerd_pid" ]]; then
        kill "$dockerd_pid" 2>/dev/null
        for _ in $(seq 30); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 1; done
    fi
    rm -rf "$work"
    log "finished (exit $status) in $((SECONDS - started)) s"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until "$@" succeeds, for at most $1 seconds; prints how long it took.
wait_for() {
    local limit=$1 begin=$SECONDS
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS - begin < limit)) || return 1
        sleep 0.5
    done
    echo $((SECONDS - begin))
}

ensure_engine() {
    if ! command -v dockerd >/dev/null || ! command -v docker-compose >/dev/null \
        || ! command -v mmdebstrap >/dev/null; then
        [[ $(id -u) == 0 ]] || fail "docker.io, docker-compose and mmdebstrap are missing and this is not root"
        log "installing Debian's docker.io, docker-compose and mmdebstrap"
        apt-get update -qq || fail "apt-get update failed"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            docker.io docker-compose mmdebstrap iptables ca-certificates >/dev/null \
            || fail "could not install the container engine from Debian's packages"
    fi
    if ! docker info >/dev/null 2>&1; then
        log "starting dockerd"
        dockerd >"$work/dockerd.log" 2>&1 &
        dockerd_pid=$!
        if ! wait_for 60 docker info >/dev/null; then
            tail -n 30 "$work/dockerd.log" >&2
            fail "the container engine (dockerd) did not start; see its log above"
        fi
    fi
    log "engine: Docker $(docker version --format '{{.Server.Version}}'), $(docker-compose version --short)"
}

build_images() {
    STANDIN_PYTHON_IMAGE=$("$HERE/base_image.sh") || fail "could not build the stand-in base image"
    local tag
    tag=$(cat "$HERE/services.Dockerfile" "$HERE"/*-entrypoint.sh <(echo "$STANDIN_PYTHON_IMAGE") \
        | sha256sum | cut -c1-12)
    STANDIN_POSTGRES_IMAGE="orgsites-standin-postgres:$tag"
    STANDIN_REDIS_IMAGE="orgsites-standin-redis:$tag"
    local service image
    for service in postgres redis; do
        image="orgsites-standin-$service:$tag"
        docker image inspect "$image" >/dev/null 2>&1 && continue
        log "building $image"
        docker build --quiet --target "$service" --build-arg "BASE_IMAGE=$STANDIN_PYTHON_IMAGE" \
            --file "$HERE/services.Dockerfile" --tag "$image" "$HERE" >/dev/null \
            || fail "could not build $image"
    done
    log "building $APP_IMAGE from the Dockerfile on $STANDIN_PYTHON_IMAGE"
    revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
    docker build --quiet --build-arg "PYTHON_IMAGE=$STANDIN_PYTHON_IMAGE" \
        --build-arg "BUILD_REVISION=$revision" --tag "$APP_IMAGE" . \
        >/dev/null || fail "docker build of the project's Dockerfile failed"
    # Earlier builds of the image, untagged by this one, would pile up run after run.
    docker image prune --force --filter label=org.opencontainers.image.title=orgsites-api >/dev/null
    export STANDIN_PYTHON_IMAGE STANDIN_POSTGRES_IMAGE STANDIN_REDIS_IMAGE APP_IMAGE
}

# The image as production runs it: read-only root, a tmpfs on /tmp, no capabilities.
run_app() {
    docker run --network "$network" --read-only --tmpfs /tmp --cap-drop ALL \
        --security-opt no-new-privileges --env APP_ENV=production --env "SECRET_KEY=$secret" \
        --env "METRICS_TOKEN=$metrics_token" --env "DATABASE_URL=postgresql+psycopg://orgsites:$secret@db:5432/orgsites" "$@"
}

check_image() {
    network=$(docker network create "$run_id")
    local db api port seconds
    db=$(docker run --detach --network "$network" --network-alias db --env POSTGRES_USER=orgsites \
        --env POSTGRES_DB=orgsites --env "POSTGRES_PASSWORD=$secret" "$STANDIN_POSTGRES_IMAGE")
    containers+=("$db")
    wait_for 60 docker exec "$db" pg_isready -U orgsites -d orgsites >/dev/null \
        || fail "the PostgreSQL stand-in did not start"

    log "image: alembic upgrade head (read-only root, non-root)"
    run_app --rm "$APP_IMAGE" alembic upgrade head || fail "the migration failed in the image"

    port=$(free_port)
    api=$(run_app --detach --publish "127.0.0.1:$port:8000" --env WEB_CONCURRENCY=2 "$APP_IMAGE")
    containers+=("$api")
    seconds=$(wait_for "$READY_TIMEOUT" curl -fsS "http://127.0.0.1:$port/health/ready") \
        || fail "the image's server was not ready within ${READY_TIMEOUT}s"
    log "image: /health/ready answered 200 ${seconds}s after start (two workers)"
    [[ $(docker exec "$api" id -u) == 10001 ]] || fail "the server does not run as user 10001"
    docker exec "$api" touch /app/written 2>/dev/null && fail "the root filesystem is writable"
    docker exec --interactive "$api" python - <"$HERE/bytecode_check.py" \
        || fail "modules the app loads have no bytecode in the image"
    [[ $(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics") == 401 ]] \
        || fail "/metrics answers without METRICS_TOKEN"
    curl -fsS -H "Authorization: Bearer $metrics_token" "http://127.0.0.1:$port/metrics" \
        | grep -F "orgsites_build_info{revision=\"${revision:0:12}\",version=" >/dev/null \
        || fail "/metrics does not report the build revision ${revision:0:12}"
    log "image: /metrics reports build revision ${revision:0:12}"
    docker rm --force "$api" "$db" >/dev/null
    containers=()
    docker network rm "$network" >/dev/null
    network=""
}

api_call() {
    # api_call METHOD PATH [JSON] -> the body; fails unless the status is 2xx.
    local method=$1 path=$2 body=${3:-}
    curl -fsS -X "$method" "http://127.0.0.1:$api_port$path" -H 'Content-Type: application/json' \
        ${token:+-H "Authorization: Bearer $token"} ${body:+-d "$body"}
}

json_get() { python3 -c 'import json, sys; print(json.load(sys.stdin)["data"][sys.argv[1]])' "$1"; }

check_compose() {
    api_port=$(free_port)
    cat >"$work/compose.env" <<EOF
APP_ENV=production
SECRET_KEY=$secret
METRICS_TOKEN=$metrics_token
POSTGRES_PASSWORD=$secret
API_PORT=$api_port
FIRST_SUPERUSER_EMAIL=admin@example.com
FIRST_SUPERUSER_PASSWORD=$secret
EOF
    log "compose: up (db, redis, migrate, api) with the stand-in images"
    compose_up=yes
    compose up --detach --build >"$work/compose-up.log" 2>&1 \
        || { tail -n 30 "$work/compose-up.log" >&2; fail "docker-compose up failed"; }
    local seconds
    seconds=$(wait_for 120 curl -fsS "http://127.0.0.1:$api_port/health/ready") \
        || fail "the compose stack's API was not ready within 120s"
    log "compose: /health/ready answered 200 after ${seconds}s more"
    [[ $(docker inspect --format '{{.State.ExitCode}}' "$(compose ps -q migrate)") == 0 ]] \
        || fail "the migrate service did not succeed"

    token=""
    token=$(api_call POST /api/v1/auth/login \
        "{\"email\": \"admin@example.com\", \"password\": \"$secret\"}" | json_get access_token) \
        || fail "signing in through the published port failed"
    local org name
    org=$(api_call POST /api/v1/organizations '{"name": "Container Test"}' | json_get id) \
        || fail "creating an organization failed"
    name=$(api_call GET "/api/v1/organizations/$org" | json_get name) \
        || fail "reading the organization back failed"
    [[ $name == "Container Test" ]] || fail "the organization reads back as '$name'"
    local deps
    deps=$(curl -fsS "http://127.0.0.1:$api_port/health/deps")
    [[ $(json_get status <<<"$deps") == pass ]] || fail "/health/deps is not all pass: $deps"
    log "compose: signed in, created and read organization $org; database and Redis pass"

    # The compose and troubleshooting commands of docs/deployment.md (-T: CI has no terminal).
    compose ps >/dev/null || fail "docker-compose ps failed"
    # grep reads all of the log (no -q): quitting at the first match would leave the writer a
    # broken pipe, and pipefail would count that as a failure.
    compose logs migrate | grep "Context impl PostgresqlImpl" >/dev/null || fail "no migration in the log"
    compose exec -T api alembic upgrade head >/dev/null 2>&1 || fail "exec alembic upgrade failed"
    [[ $(compose exec -T api alembic current 2>/dev/null) == *"(head)"* ]] \
        || fail "alembic current is not at head"
    compose exec -T db psql -U orgsites orgsites -c 'SELECT 1' >/dev/null \
        || fail "psql in the db service failed"
    curl -fsS "http://127.0.0.1:$api_port/health/live" >/dev/null || fail "/health/live failed"
    log "compose: ps, logs, exec alembic upgrade/current, exec psql and the health checks work"

    # Two workers, one /metrics: whichever answers counts both workers' requests.
    # (each worker writes its values for the other every second: a few scrapes may be needed)
    local series
    for series in 'orgsites_http_requests_total{method="POST",operation="createOrganization",status_class="2xx"} 1.0' \
        'orgsites_logins_total{outcome="success"} 1.0'; do
        wait_for 10 bash -c 'curl -fsS -H "Authorization: Bearer $3" "$1" | grep -qF "$2"' _ \
            "http://127.0.0.1:$api_port/metrics" "$series" "$metrics_token" \
            || fail "/metrics lacks: $series"
    done
    curl -fsS -H 'X-Request-ID: container-find-me-1' "http://127.0.0.1:$api_port/health/live" >/dev/null
    local attempt found=""
    for attempt in $(seq 20); do
        if compose logs api 2>/dev/null | grep -F '"request_id":"container-find-me-1"' >/dev/null; then
            found=$attempt
            break
        fi
        sleep 0.5
    done
    [[ -n $found ]] || fail "no JSON log line of request container-find-me-1 in the api's log"
    log "compose: /metrics counts by operationId across workers; JSON request log found by its id"
}

main() {
    secret=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
    metrics_token=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
    ensure_engine
    build_images
    log "images ready"
    check_image
    check_compose
    log "PASSED"
}

# Read whole before it runs, so editing this file during a run cannot change what that run does.
main "$@"
exit
