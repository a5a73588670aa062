#!/usr/bin/env bash
# Build deploy/Dockerfile and run deploy/compose.yaml for real, under podman, on a machine with
# no Docker engine and no container registry, then check the stack and take it all down.
#
#   deploy/smoke/compose-smoke.sh        (as root; `make compose-smoke` runs it)
#
# Base images come from Debian's repository: a debootstrap root imported into podman, and from
# it the stand-ins of deploy/standin-images/ for the Python, PostgreSQL and Redis images that
# deploy/compose.yaml names. The root's tarball is cached in $STACKS_SMOKE_CACHE (default
# .cache/compose-smoke, git-ignored), the images in podman's store: a second run skips both.
# Each phase prints its duration; on a failure the containers' last log lines are printed and
# the stack is removed all the same.
set -Eeuo pipefail
# A command that fails outside the checks below still says where.
trap 'echo "compose-smoke: FAILED: line $LINENO exited with $?" >&2' ERR
cd "$(dirname "$0")/../.."
ROOT=$PWD

CACHE=${STACKS_SMOKE_CACHE:-$ROOT/.cache/compose-smoke}
PODMAN_COMPOSE=${PODMAN_COMPOSE:-podman-compose}
PYTHON=${PYTHON:-python3}
PROJECT=stacks-smoke
STANDIN=localhost/stacks-standin
DEBIAN_IMAGE=$STANDIN/debian:bookworm
PYTHON_IMAGE=$STANDIN/python:bookworm
POSTGRES_IMAGE=$STANDIN/postgres:bookworm
REDIS_IMAGE=$STANDIN/redis:bookworm
STACKS_IMAGE=localhost/stacks:smoke
LIBRARY_HOST=smoke.stacks.test
ADMIN_EMAIL=head@smoke.test
ADMIN_PASSWORD=smoke-only-Password-1
# Seconds a phase may wait for containers (healthy, migrated, an import finished).
WAIT=${STACKS_SMOKE_WAIT:-180}

RUN_DIR="$CACHE/run"
mkdir -p "$RUN_DIR"
LOG="$RUN_DIR/compose-smoke.log"
: > "$LOG"

say() { echo "compose-smoke: $*"; }
FAILURE=""
fail() { FAILURE="$*"; say "FAILED: $*" >&2; exit 1; }

PHASE=""
PHASE_START=0
SMOKE_START=$(date +%s)
phase() {
    phase_end
    PHASE=$1
    PHASE_START=$(date +%s)
    say "--- $PHASE"
}
phase_end() {
    if [ -n "$PHASE" ]; then
        say "$PHASE took $(($(date +%s) - PHASE_START)) s"
    fi
    PHASE=""
}

# --- tools -----------------------------------------------------------------------------------
phase "tools (podman, debootstrap from Debian)"
if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null \
    || ! command -v runc >/dev/null || ! command -v curl >/dev/null; then
    [ "$(id -u)" = 0 ] || fail "podman, runc, debootstrap and curl are missing; run as root to install them"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >>"$LOG" 2>&1
    apt-get install -y -qq --no-install-recommends podman runc debootstrap uidmap netavark \
        aardvark-dns containernetworking-plugins fuse-overlayfs slirp4netns catatonit iptables \
        curl ca-certificates >>"$LOG" 2>&1 || fail "apt-get install failed; see $LOG"
fi
command -v "$PODMAN_COMPOSE" >/dev/null \
    || fail "$PODMAN_COMPOSE not found: \`make install\` puts podman-compose (dev extra) in .venv"
say "$(podman --version), $("$PODMAN_COMPOSE" --version 2>/dev/null | head -1)"

# Podman's settings for this run only (CONTAINERS_CONF replaces the system's file):
# - runc, not crun: crun 1.8 refuses a hybrid cgroup hierarchy whose v2 part has controllers
#   ("cgroups in hybrid mode not supported"), which is what these machines have.
# - ulimits within the host's: podman 4.3 as root asks for nofile 1048576 and a large nproc,
#   which a process here may not raise itself to ("error setting rlimit ... not permitted").
# - events in a file and cgroupfs: there is no systemd (nor journald) to talk to.
NOFILE=$(ulimit -Hn)
[ "$NOFILE" = unlimited ] && NOFILE=1048576
NPROC=$(ulimit -Hu)
{ [ "$NPROC" = unlimited ] || [ "$NPROC" -gt 32768 ]; } && NPROC=32768
cat > "$RUN_DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$NOFILE:$NOFILE", "nproc=$NPROC:$NPROC"]
log_driver = "k8s-file"
[engine]
runtime = "runc"
events_logger = "file"
cgroup_manager = "cgroupfs"
EOF
export CONTAINERS_CONF="$RUN_DIR/containers.conf"

# pip inside the build reaches the same index with the same certificate authorities as pip on
# this host: both read from the host's pip settings now, never written into the repository.
pip_setting() {  # the value pip uses for a setting, environment first, then its files
    local name=$1 env_name value
    env_name=PIP_$(echo "$name" | tr 'a-z-' 'A-Z_')
    value=${!env_name:-}
    if [ -z "$value" ]; then
        value=$("$PYTHON" -m pip config list 2>/dev/null \
            | sed -n "s/^[^.]*\.$name='\(.*\)'\$/\1/p" | tail -1)
    fi
    echo "$value"
}
BUILD_ARGS=()
INDEX_URL=$(pip_setting index-url)
case "$INDEX_URL" in
    http://* | https://*) BUILD_ARGS+=(--build-arg "PIP_INDEX=$INDEX_URL") ;;
esac
PIP_CERT_FILE=$(pip_setting cert)
PIP_CERT_FILE=${PIP_CERT_FILE:-${REQUESTS_CA_BUNDLE:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}}
if [ -s "$PIP_CERT_FILE" ]; then
    BUILD_ARGS+=(--secret "id=pip_cert,src=$PIP_CERT_FILE")
fi
say "pip in the build: index ${INDEX_URL:-the default one}, certificates from ${PIP_CERT_FILE}"

# The Debian mirror of this host's own apt sources (deb822 or one-line), if it names one.
host_debian_mirror() {
    local found
    found=$(
        sed -n 's|^URIs: *\([^ ]*/debian\)/\{0,1\}$|\1|p' /etc/apt/sources.list.d/*.sources \
            2>/dev/null || true
        sed -n 's|^deb  *\(\[[^]]*\]  *\)\{0,1\}\([^ ]*/debian\)/\{0,1\}  *bookworm .*|\2|p' \
            /etc/apt/sources.list 2>/dev/null || true
    )
    echo "${found%%$'\n'*}"
}

# --- base images -----------------------------------------------------------------------------
phase "base image (debootstrap root of Debian bookworm)"
if podman image exists "$DEBIAN_IMAGE"; then
    say "$DEBIAN_IMAGE is in podman's store"
else
    TARBALL="$CACHE/debian-bookworm-minbase.tar"
    if [ ! -s "$TARBALL" ]; then
        BOOTSTRAP="$CACHE/debian-bookworm.root"
        rm -rf "$BOOTSTRAP"
        mirror=${DEBIAN_MIRROR:-$(host_debian_mirror)}
        say "debootstrap from ${mirror:-the default mirror of debootstrap}"
        # shellcheck disable=SC2086 # without a mirror argument, debootstrap uses its default
        debootstrap --variant=minbase bookworm "$BOOTSTRAP" ${mirror:+"$mirror"} >>"$LOG" 2>&1 \
            || fail "debootstrap failed; see $LOG"
        rm -rf "$BOOTSTRAP"/var/cache/apt/archives/*.deb "$BOOTSTRAP"/var/lib/apt/lists/*
        tar --numeric-owner -C "$BOOTSTRAP" -cf "$TARBALL.part" .
        mv "$TARBALL.part" "$TARBALL"
        rm -rf "$BOOTSTRAP"
    fi
    podman import --change 'ENV LANG=C.UTF-8' --change 'CMD ["bash"]' "$TARBALL" \
        "$DEBIAN_IMAGE" >>"$LOG" 2>&1 || fail "podman import failed; see $LOG"
fi

phase "stand-in images (deploy/standin-images/)"
for name in python postgres redis; do
    image_var="$(echo "$name" | tr '[:lower:]' '[:upper:]')_IMAGE"
    # Layers are cached: unchanged stand-ins cost a second each.
    podman build --format docker --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" \
        -t "${!image_var}" "deploy/standin-images/$name" >>"$LOG" 2>&1 \
        || fail "building the $name stand-in failed; see $LOG"
done

# --- the Stacks image ------------------------------------------------------------------------
phase "Stacks image (deploy/Dockerfile)"
BUILD_LOG="$RUN_DIR/build.log"
# --format docker: podman's default OCI format has no HEALTHCHECK and would drop it.
podman build --format docker -f deploy/Dockerfile --build-arg "PYTHON_IMAGE=$PYTHON_IMAGE" \
    "${BUILD_ARGS[@]}" -t "$STACKS_IMAGE" . >"$BUILD_LOG" 2>&1 \
    || { tail -40 "$BUILD_LOG"; fail "the image did not build; see $BUILD_LOG"; }
if grep -i "warning" "$BUILD_LOG" | grep -v -i "pip's dependency\|WARNING: Running pip as" \
    | grep -q .; then
    grep -i "warning" "$BUILD_LOG"
    fail "the build printed warnings (above)"
fi
[ "$(podman image inspect --format '{{json .HealthCheck.Test}}' "$STACKS_IMAGE")" \
    = '["CMD","python","-m","config.entrypoint","healthcheck","web"]' ] \
    || fail "the image lost its HEALTHCHECK"
say "$STACKS_IMAGE: $(podman image inspect --format '{{.Size}}' "$STACKS_IMAGE") bytes"

# --- the stack -------------------------------------------------------------------------------
PORT=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ENV_FILE="$RUN_DIR/smoke.env"
# Production settings (DEBUG off, HTTPS behind a proxy that says so), and the local images.
cat > "$ENV_FILE" <<EOF
SECRET_KEY=compose-smoke-only-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
DEBUG=false
STACKS_BASE_DOMAIN=stacks.test
STACKS_PLATFORM_HOSTS=stacks.test
POSTGRES_PASSWORD=smoke-db-password
DATABASE_URL=postgres://stacks:smoke-db-password@db:5432/stacks
REDIS_URL=redis://redis:6379/0
CELERY_DEFAULT_QUEUE=celery
CELERY_IMPORTS_QUEUE=imports
CELERY_WORKER_CONCURRENCY=1
WEB_CONCURRENCY=2
TRUST_X_FORWARDED_PROTO=true
FORWARDED_ALLOW_IPS=*
STACKS_SITE_SCHEME=https
LOG_FORMAT=json
STACKS_IMAGE=$STACKS_IMAGE
PYTHON_IMAGE=$PYTHON_IMAGE
POSTGRES_IMAGE=$POSTGRES_IMAGE
REDIS_IMAGE=$REDIS_IMAGE
STACKS_HTTP_ADDRESS=127.0.0.1:$PORT
STACKS_ENV_FILE=$ENV_FILE
EOF
# --env-file: the variables for compose.yaml come from this file alone, never deploy/.env.
compose() { "$PODMAN_COMPOSE" --env-file "$ENV_FILE" -f deploy/compose.yaml -p "$PROJECT" "$@"; }
container() { echo "${PROJECT}_$1_1"; }
APP_SERVICES=(web worker worker-imports)

stack_down() {
    compose down --volumes --timeout 60 >>"$LOG" 2>&1 || true
}
left_over() {  # what this project left in podman: containers, pods, networks, volumes
    {
        podman ps -a --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}'
        podman network ls --format '{{.Name}}' | grep "^${PROJECT}_" || true
        podman volume ls --format '{{.Name}}' | grep "^${PROJECT}_" || true
    } | sed '/^$/d'
}
on_exit() {
    status=$?
    if [ "$status" != 0 ]; then
        for service in db redis migrate "${APP_SERVICES[@]}"; do
            if podman container exists "$(container "$service")"; then
                echo "--- last lines of $service"
                podman logs --tail 30 "$(container "$service")" 2>&1 | cut -c1-400
            fi
        done
        say "podman-compose's output is in $LOG"
        stack_down
        # Again after the containers' lines, so the reason is the last thing printed.
        [ -z "$FAILURE" ] || say "FAILED: $FAILURE" >&2
    fi
    exit "$status"
}
trap on_exit EXIT

# podman 4.3 runs a healthcheck only when systemd's timer does, and there is no systemd here:
# run each one by hand until it passes (podman then shows the container as healthy).
wait_healthy() {
    local deadline=$(($(date +%s) + WAIT)) name
    for name in "$@"; do
        until podman healthcheck run "$(container "$name")" >/dev/null 2>&1; do
            [ "$(date +%s)" -lt "$deadline" ] || fail "$name not healthy after ${WAIT}s"
            if [ "$(podman inspect --format '{{.State.Running}}' "$(container "$name")")" != true ]; then
                fail "$name exited"
            fi
            sleep 1
        done
        say "$name is healthy"
    done
}

# A stack left by an interrupted run goes first.
if [ -n "$(left_over)" ]; then
    say "removing what an earlier run left"
    stack_down
fi

# podman-compose ignores `condition: service_healthy` with podman older than 4.6 (its
# `podman wait --condition=healthy` is missing), so the stack starts in two phases: PostgreSQL
# and Redis, healthy; then migrate, to its end; then web and the workers.
phase "start PostgreSQL and Redis"
compose up -d --no-build db redis >>"$LOG" 2>&1 || fail "podman-compose up db redis failed; see $LOG"
wait_healthy db redis

phase "migrate"
compose up -d --no-build --no-deps migrate >>"$LOG" 2>&1 || fail "podman-compose up migrate failed"
code=$(timeout "$WAIT" podman wait "$(container migrate)") || fail "migrate did not end in ${WAIT}s"
[ "$code" = 0 ] || fail "migrate exited with $code"
podman logs "$(container migrate)" 2>&1 | grep -q "migrate finished" || fail "migrate did not finish"
say "migrate completed"

phase "start web and workers"
compose up -d --no-build --no-deps "${APP_SERVICES[@]}" >>"$LOG" 2>&1 \
    || fail "podman-compose up ${APP_SERVICES[*]} failed; see $LOG"
wait_healthy "${APP_SERVICES[@]}"

phase "checks"
BASE="http://127.0.0.1:$PORT"
# The TLS proxy in front of web says HTTPS (X-Forwarded-Proto); web would redirect otherwise.
request() { curl -sS --max-time 30 -H "Host: $LIBRARY_HOST" -H "X-Forwarded-Proto: https" "$@"; }
json() { "$PYTHON" -c "import json, sys; print(eval(sys.argv[1], {}, {'d': json.load(sys.stdin)}))" "$1"; }
for probe in healthz readyz; do
    answer=$(request -o /dev/null -w '%{http_code}' "$BASE/$probe") || true
    [ "$answer" = 200 ] || fail "/$probe answered $answer on $LIBRARY_HOST"
    say "/$probe answers 200 on $LIBRARY_HOST"
done

created=$(podman exec "$(container web)" python manage.py create_library smoke \
    --name "Smoke Library" --domain "$LIBRARY_HOST" --admin-email "$ADMIN_EMAIL" \
    --admin-password "$ADMIN_PASSWORD") || fail "create_library failed in the web container"
echo "$created" | grep -q "at https://$LIBRARY_HOST/" \
    || fail "create_library did not print the site's https address: $created"
say "library created in the web container: $(echo "$created" | head -1)"

token=$(request -H "Content-Type: application/json" \
    -d "{\"email\": \"$ADMIN_EMAIL\", \"password\": \"$ADMIN_PASSWORD\"}" \
    "$BASE/api/v1/auth/token/" | json "d['token']") || fail "no API token for the library's admin"
api() { request -H "Authorization: Bearer $token" "$@"; }

job=$(api -F "file=@tests/data/marc/test.dat" -F one_shot=true "$BASE/api/v1/imports/" \
    | json "d['id']") || fail "POST /api/v1/imports/ did not queue an import"
deadline=$(($(date +%s) + WAIT))
while :; do
    status=$(api "$BASE/api/v1/imports/$job/" | json "d['status'], d['created'], d['rejected']")
    case "$status" in
        "('committed', 10, 0)") break ;;
        *committed* | *failed* | *cancelled*) fail "import $job ended as $status" ;;
    esac
    [ "$(date +%s)" -lt "$deadline" ] || fail "import $job not committed after ${WAIT}s: $status"
    sleep 1
done
say "MARC import $job committed: 10 records from tests/data/marc/test.dat"
podman logs "$(container worker-imports)" 2>&1 | grep -q "worker.import_job_run\[.*succeeded" \
    || fail "the import did not run on worker-imports"
if podman logs "$(container worker)" 2>&1 | grep -q "worker.import_job_run\[.*received"; then
    fail "the import ran on the short-task worker"
fi
say "the import ran on worker-imports (queue imports), not on worker"

count=$(api "$BASE/api/v1/records/?page_size=50" | json "len(d['results'])")
[ "$count" = 10 ] || fail "the API lists $count records, not 10"
found=$(api "$BASE/api/v1/records/?q=perl" | json "sorted(r['title'] for r in d['results'])")
echo "$found" | grep -q "Programming Perl" || fail "searching 'perl' did not find its records: $found"
say "the API lists the 10 records, and a search for 'perl' finds: $found"

if [ -n "${STACKS_SMOKE_KEEP:-}" ]; then  # for a look around: the stack stays up
    phase_end
    trap - EXIT
    say "left running (STACKS_SMOKE_KEEP): $PODMAN_COMPOSE --env-file $ENV_FILE -f deploy/compose.yaml -p $PROJECT down --volumes"
    exit 0
fi

phase "stop and remove everything"
# Every container is told to stop at once, as `podman-compose down` does, so Redis goes away
# while the workers are in their warm shutdown. Each must end on its own within 30 s; one
# still running after STOP_TIMEOUT is killed (exit 137).
STOP_TIMEOUT=40
STOP_LIMIT=30
STOP_TIMES="$RUN_DIR/stop-times"
: > "$STOP_TIMES"
stop_one() {
    local started
    started=$(date +%s)
    podman stop --time "$STOP_TIMEOUT" "$(container "$1")" >/dev/null 2>&1 || true
    echo "$1 $(($(date +%s) - started))" >> "$STOP_TIMES"
}
for service in db redis "${APP_SERVICES[@]}"; do
    stop_one "$service" &
done
wait
while read -r service seconds; do
    code=$(podman inspect --format '{{.State.ExitCode}}' "$(container "$service")")
    say "$service stopped after ${seconds}s (exit code $code)"
    if [ "$seconds" -ge "$STOP_LIMIT" ] || [ "$code" = 137 ]; then
        fail "$service did not stop on its own within ${STOP_LIMIT}s"
    fi
done < "$STOP_TIMES"
compose down --volumes --timeout "$STOP_TIMEOUT" >>"$LOG" 2>&1 || fail "podman-compose down failed; see $LOG"
remains=$(left_over)
[ -z "$remains" ] || fail "left after down: $remains"
say "no container, network or volume of $PROJECT is left"
phase_end
trap - EXIT
say "passed in $(($(date +%s) - SMOKE_START)) s"
