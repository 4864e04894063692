#!/usr/bin/env bash
# Runs every check the project has: format lint, then the whole test suite against a private
# PostgreSQL 15 cluster and a private Redis, both on loopback and both gone when this exits.
#
#   scripts/test.sh                 everything (this is what .ci/run calls)
#   CI=true scripts/test.sh         a database or broker that cannot start fails the run
#   BRIDGE_SCRATCH_PATH=/tmp/b ...  build somewhere other than ./.build
#   BRIDGE_BUILD_JOBS=1 ...         limit build parallelism
#   BRIDGE_BUILD_TIMEOUT_S / BRIDGE_TEST_TIMEOUT_S   upper bounds for those phases (3600 / 1800)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

readonly PG_BIN=/usr/lib/postgresql/15/bin
readonly WAIT_STEPS=100        # readiness checks, 0.1 s apart: at most ~10 s per service
readonly CI_MODE="${CI:-false}"
readonly BUILD_TIMEOUT_S="${BRIDGE_BUILD_TIMEOUT_S:-3600}"
readonly TEST_TIMEOUT_S="${BRIDGE_TEST_TIMEOUT_S:-1800}"

WORK_DIR=""
PG_DATA=""
PG_RUN_AS=()
REDIS_PID=""
CHILD_PID=""

swift_flags=()
if [[ -n "${BRIDGE_SCRATCH_PATH:-}" ]]; then
    swift_flags+=(--scratch-path "$BRIDGE_SCRATCH_PATH")
fi
if [[ -n "${BRIDGE_BUILD_JOBS:-}" ]]; then
    swift_flags+=(-j "$BRIDGE_BUILD_JOBS")
fi

cleanup() {
    local status=$?
    set +e
    if [[ -n "$CHILD_PID" ]] && kill -0 "$CHILD_PID" 2>/dev/null; then
        log "stopping the running phase"
        stop_process "$CHILD_PID"
    fi
    if [[ -n "$REDIS_PID" ]] && kill -0 "$REDIS_PID" 2>/dev/null; then
        stop_process "$REDIS_PID"
    fi
    if [[ -n "$PG_DATA" && -f "$PG_DATA/postmaster.pid" ]]; then
        "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -t 20 -w stop >/dev/null 2>&1
    fi
    if [[ -n "$WORK_DIR" ]]; then
        rm -rf "$WORK_DIR"
    fi
    exit "$status"
}
# Sends TERM to a child of this script, then KILL if it is still there after ~5 s.
stop_process() {
    local pid="$1"
    local i
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

# Runs a command under a time limit. It runs in the background and is waited for, so that an
# interrupt reaches this script's traps at once (timeout puts the command in its own group).
run_bounded() {
    local limit="$1"
    shift
    timeout -k 30 "$limit" "$@" &
    CHILD_PID=$!
    local status=0
    wait "$CHILD_PID" || status=$?
    CHILD_PID=""
    return "$status"
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A service that cannot start fails the run in CI and is skipped (with a warning) elsewhere.
service_unavailable() {
    if [[ "$CI_MODE" == "true" ]]; then
        die "$1 (CI=true: the integration tests need it)"
    fi
    warn "$1; tests that need it will be skipped"
}

start_postgres() {
    if [[ ! -x "$PG_BIN/initdb" || ! -x "$PG_BIN/pg_ctl" ]]; then
        service_unavailable "PostgreSQL 15 binaries not found in $PG_BIN"
        return
    fi
    local dir="$WORK_DIR/postgres"
    mkdir -p "$dir"
    # PostgreSQL refuses to run as root: hand the cluster to the `postgres` account.
    if [[ "$(id -u)" -eq 0 ]]; then
        if ! id -u postgres >/dev/null 2>&1; then
            service_unavailable "running as root and no 'postgres' account exists"
            return
        fi
        chown postgres: "$dir"
        PG_RUN_AS=(runuser -u postgres --)
    fi
    local port
    port="$(free_port)"
    if ! "${PG_RUN_AS[@]}" "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync \
        --encoding=UTF8 --locale=C >"$WORK_DIR/initdb.log" 2>&1; then
        sed 's/^/  initdb: /' "$WORK_DIR/initdb.log" >&2
        service_unavailable "initdb failed"
        return
    fi
    PG_DATA="$dir/data"
    if ! "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off" \
        start >/dev/null; then
        sed 's/^/  postgres: /' "$dir/server.log" >&2 || true
        service_unavailable "PostgreSQL did not start"
        return
    fi
    local i
    for ((i = 0; i < WAIT_STEPS; i++)); do
        if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; then
            export BRIDGE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
            log "PostgreSQL 15 on 127.0.0.1:$port"
            return
        fi
        sleep 0.1
    done
    service_unavailable "PostgreSQL did not accept connections on 127.0.0.1:$port"
}

start_redis() {
    if ! command -v redis-server >/dev/null 2>&1; then
        service_unavailable "redis-server not found"
        return
    fi
    local dir="$WORK_DIR/redis"
    mkdir -p "$dir"
    local port
    port="$(free_port)"
    redis-server --save '' --appendonly no --port "$port" --bind 127.0.0.1 --dir "$dir" \
        --daemonize no --logfile "$dir/redis.log" >/dev/null 2>&1 &
    REDIS_PID=$!
    local i
    for ((i = 0; i < WAIT_STEPS; i++)); do
        if ! kill -0 "$REDIS_PID" 2>/dev/null; then
            break
        fi
        if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == "PONG" ]]; then
            export BRIDGE_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
            log "Redis on 127.0.0.1:$port"
            return
        fi
        sleep 0.1
    done
    sed 's/^/  redis: /' "$dir/redis.log" >&2 2>/dev/null || true
    service_unavailable "Redis did not start on 127.0.0.1:$port"
}

phase_start setup
scripts/setup.sh
ensure_swift_on_path
phase_end

phase_start format
swift format lint --strict --recursive Sources Tests Package.swift
phase_end

phase_start services
WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/bridge-test.XXXXXX")"
chmod 755 "$WORK_DIR"
unset BRIDGE_TEST_POSTGRES_URL BRIDGE_TEST_REDIS_URL
start_postgres
start_redis
phase_end

phase_start build
run_bounded "$BUILD_TIMEOUT_S" swift build --build-tests "${swift_flags[@]}"
phase_end

phase_start test
run_bounded "$TEST_TIMEOUT_S" swift test --skip-build "${swift_flags[@]}"
phase_end

phase_summary
