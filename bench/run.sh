#!/usr/bin/env bash
# Runs every benchmark scenario of issue 8 against the bridge (release build), the Express + ws
# reference peer and the C machine-limit server, back to back in one run, and writes the
# results table. The load generator and the peers live in ../shared/bench (read-only).
#
#   bench/run.sh                 # every scenario at full size (about 12 minutes)
#   bench/run.sh --quick         # tiny sizes: a smoke run that checks the plumbing
#   SCENARIOS="fanout1000 ingest_sqlite" bench/run.sh
#   SERVERS=ours SCENARIOS=idle10000 bench/run.sh      # only some of ours, peer, limit
#   SQLITE_SYNCHRONOUS=normal bench/run.sh              # passed through to the bridge
#   PERF=0 bench/run.sh          # without counting system calls (the counter costs throughput)
#   BRIDGE=/tmp/old/bridge bench/run.sh                 # another build instead of this tree's
#   SCENARIOS="cluster1 cluster2" bench/run.sh          # PostgreSQL + Redis, one and two instances
#
# Output: bench/results/<UTC time>.jsonl (one RESULT per server and scenario) and a markdown
# table on stdout (also bench/results/<UTC time>.md).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SHARED="${SHARED_BENCH:-$ROOT/../shared/bench}"
[[ -d "$SHARED" ]] || { echo "bench: $SHARED not found (../shared beside the project)" >&2; exit 2; }

QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
SCENARIOS="${SCENARIOS:-fanout1000 fanout100 idle10000 ingest_sqlite ingest_sqlite_normal ingest_postgres cluster1 cluster2 scale100k}"
SERVERS="${SERVERS:-peer limit ours}"
# The same secrets for every server; the JWT secret is long enough for the bridge's minimum.
JWT="bench-jwt-secret-for-all-three-servers-0123456789"
SECRET="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ORIGIN="http://localhost:3000"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$HERE/results"
mkdir -p "$OUT"
RESULTS="$OUT/$STAMP.jsonl"
: >"$RESULTS"

log() { printf 'bench: %s\n' "$*" >&2; }

ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
sysctl -qw net.ipv4.ip_local_port_range="1024 65535" 2>/dev/null || true

"$ROOT/scripts/setup.sh" >/dev/null
for package in node-ws node-express; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package" >/dev/null
done

if [[ -n "${BRIDGE:-}" ]]; then
    [[ -x "$BRIDGE" ]] || { echo "bench: BRIDGE=$BRIDGE is not an executable" >&2; exit 2; }
    log "measuring the bridge at $BRIDGE"
else
    log "building the bridge (release)"
    (cd "$ROOT" && swift build -c release --product bridge >/dev/null)
    BRIDGE="$ROOT/.build/release/bridge"
fi
WSLOAD="$("$SHARED/build.sh")"
LIMIT="$("$SHARED/peers/c-limit/build.sh")"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/bridge-bench.XXXXXX")"
SERVER_PID=""
PG_DIR=""
REDIS_PID=""
PAIR_PIDS=()
CLUSTER_PORTS=()
CLUSTER_PIDS=()
cleanup() {
    stop_server
    for pid in "${PAIR_PIDS[@]}" $REDIS_PID; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n "$PG_DIR" ]]; then
        runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
    local i
    for ((i = 0; i < 100; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "bench: nothing listens on $1" >&2
    return 1
}

stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

start_postgres() {
    [[ -n "$PG_DIR" ]] && return
    PG_DIR="$(mktemp -d /tmp/bridge-bench-pg.XXXXXX)"
    chown postgres "$PG_DIR"
    PG_PORT="$(free_port)"
    runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$PG_DIR/data" -A trust -U postgres >/dev/null
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
        -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
}

start_redis() {
    [[ -n "$REDIS_PID" ]] && return
    REDIS_PORT="$(free_port)"
    redis-server --save '' --appendonly no --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$TMP" \
        --daemonize no --logfile "$TMP/redis.log" >/dev/null 2>&1 &
    REDIS_PID=$!
    wait_port "$REDIS_PORT"
}

# fresh_database: a new PostgreSQL database; prints its URL. Call start_postgres first, in this
# shell: started inside $(...), the cluster would be unknown to cleanup and started again.
fresh_database() {
    local db="bench_$RANDOM$RANDOM"
    runuser -u postgres -- psql -q -h 127.0.0.1 -p "$PG_PORT" -c "CREATE DATABASE $db" >/dev/null
    echo "postgres://postgres@127.0.0.1:$PG_PORT/$db"
}

# start_server KIND STORE CLIENTS: starts one server on a free port; sets PORT and SERVER_PID.
start_server() {
    local kind="$1" store="$2" clients="$3"
    PORT="$(free_port)"
    case "$kind" in
    ours)
        local url="sqlite:$TMP/ours-$RANDOM/bridge.sqlite3"
        if [[ "$store" == postgres ]]; then
            start_postgres
            url="$(fresh_database)"
        fi
        HOST=127.0.0.1 PORT="$PORT" JWT_SECRET="$JWT" WEBHOOK_SOURCES=shop WEBHOOK_SECRET_SHOP="$SECRET" \
            ALLOWED_ORIGINS="$ORIGIN" DATABASE_URL="$url" LOG_LEVEL=warning \
            WS_MAX_CONNECTIONS=$((clients + 1000)) WS_MAX_CONNECTIONS_PER_IP=$((clients + 1000)) \
            WS_MAX_CONNECTIONS_PER_USER=$((clients + 1000)) \
            "$BRIDGE" serve >"$TMP/ours.log" 2>&1 &
        ;;
    peer)
        (cd "$SHARED/peers/node-ws-bridge" && NODE_PATH="/usr/share/nodejs" HOST=127.0.0.1 PORT="$PORT" \
            JWT_SECRET="$JWT" WEBHOOK_SECRET="$SECRET" ALLOWED_ORIGINS="$ORIGIN" \
            WS_MAX_CONNECTIONS=$((clients + 1000)) exec node server.js) >"$TMP/peer.log" 2>&1 &
        ;;
    limit)
        JWT_SECRET="$JWT" WEBHOOK_SECRET="$SECRET" ALLOWED_ORIGINS="$ORIGIN" \
            "$LIMIT" --host 127.0.0.1 --port "$PORT" >"$TMP/limit.log" 2>&1 &
        ;;
    esac
    SERVER_PID=$!
    wait_port "$PORT"
}

# measure SCENARIO KIND STORE WSLOAD-ARGS...: one server, one run, the RESULT line appended.
measure() {
    local scenario="$1" kind="$2" store="$3"
    shift 3
    [[ " $SERVERS " == *" $kind "* ]] || return 0
    local clients=0 arg
    local -a args=("$@")
    for ((arg = 0; arg < ${#args[@]}; arg++)); do
        [[ "${args[$arg]}" == --clients ]] && clients="${args[$((arg + 1))]}"
    done
    start_server "$kind" "$store" "$clients"
    local -a common=(--host 127.0.0.1 --port "$PORT" --pid "$SERVER_PID" --secret "$SECRET"
        --jwt-secret "$JWT" --origin "$ORIGIN")
    if [[ "${args[0]}" != connections ]]; then
        "$WSLOAD" fanout "${common[@]}" --clients 50 --webhooks 300 --drain-ms 500 >/dev/null 2>&1 || true
    fi
    local perf_out="$TMP/perf-$kind.txt" perf_pid=""
    if [[ "${PERF:-1}" == 1 ]] && command -v perf >/dev/null; then
        perf stat -e raw_syscalls:sys_enter -p "$SERVER_PID" -o "$perf_out" 2>/dev/null &
        perf_pid=$!
        sleep 0.3
    fi
    log "$scenario: $kind${store:+ ($store)}: wsload ${args[*]}"
    local line
    line="$("$WSLOAD" "${args[@]}" "${common[@]}" 2>&1 | tee "$TMP/wsload-$kind.txt" | grep '^RESULT ' | tail -n 1 | sed 's/^RESULT //')" || true
    local syscalls=""
    if [[ -n "$perf_pid" ]]; then
        kill -INT "$perf_pid" 2>/dev/null || true
        wait "$perf_pid" 2>/dev/null || true
        syscalls="$(awk '/raw_syscalls:sys_enter/ { gsub(",", "", $1); print $1 }' "$perf_out" 2>/dev/null || true)"
    fi
    stop_server
    [[ -n "$line" ]] || { log "$scenario: $kind produced no RESULT"; tail -5 "$TMP/wsload-$kind.txt" >&2; return; }
    python3 - "$scenario" "$kind" "$store" "${syscalls:-}" "$line" >>"$RESULTS" <<'PY'
import json, sys
scenario, kind, store, syscalls, line = sys.argv[1:6]
record = json.loads(line)
record.update(scenario=scenario, server=kind, store=store or None)
record["syscalls"] = int(syscalls) if syscalls.isdigit() else None
print(json.dumps(record))
PY
}

# start_instance URL CLIENTS: one bridge of a multi-instance cluster (PostgreSQL + Redis);
# prints "PORT PID".
start_instance() {
    local url="$1" clients="$2" port
    port="$(free_port)"
    HOST=127.0.0.1 PORT="$port" JWT_SECRET="$JWT" WEBHOOK_SOURCES=shop WEBHOOK_SECRET_SHOP="$SECRET" \
        ALLOWED_ORIGINS="$ORIGIN" DATABASE_URL="$url" REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" \
        LOG_LEVEL=warning WS_MAX_CONNECTIONS=$((clients + 1000)) WS_MAX_CONNECTIONS_PER_IP=$((clients + 1000)) \
        WS_MAX_CONNECTIONS_PER_USER=$((clients + 1000)) "$BRIDGE" serve >>"$TMP/instance-$port.log" 2>&1 &
    local pid=$!
    wait_port "$port" >&2
    echo "$port $pid"
}

# start_cluster INSTANCES CLIENTS: that many bridges on one fresh PostgreSQL database and one
# Redis, each sized for CLIENTS; their ports and pids go to CLUSTER_PORTS and CLUSTER_PIDS.
start_cluster() {
    local instances="$1" clients="$2" url i port pid
    start_redis
    start_postgres
    url="$(fresh_database)"
    CLUSTER_PORTS=()
    CLUSTER_PIDS=()
    for ((i = 0; i < instances; i++)); do
        read -r port pid < <(start_instance "$url" "$clients")
        CLUSTER_PORTS+=("$port")
        CLUSTER_PIDS+=("$pid")
        PAIR_PIDS+=("$pid")
    done
}

stop_cluster() {
    local pid
    for pid in "${CLUSTER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    CLUSTER_PIDS=()
    PAIR_PIDS=()
}

# instance_result SCENARIO INDEX FILE: prints wsload's RESULT json and its count of other
# instances' messages ("foreign-run"), tab-separated; fails, saying so, when there is none.
instance_result() {
    local scenario="$1" index="$2" file="$3" line foreign
    line="$(grep '^RESULT ' "$file" | tail -n 1 | sed 's/^RESULT //')"
    foreign="$(sed -n 's/.*foreign-run \([0-9]*\).*/\1/p' "$file" | tail -n 1)"
    if [[ -z "$line" ]]; then
        log "$scenario: instance $index produced no RESULT"
        tail -5 "$file" >&2
        return 1
    fi
    printf '%s\t%s\n' "$line" "${foreign:-0}"
}

# measure_cluster SCENARIO INSTANCES CLIENTS WEBHOOKS RATE: INSTANCES bridges share one
# PostgreSQL database and one Redis; one wsload per instance sends WEBHOOKS at RATE/s to its
# instance while CLIENTS clients listen there. Every client should get its own instance's
# events (checked by wsload) and every other instance's ("foreign-run", counted here).
measure_cluster() {
    local scenario="$1" instances="$2" clients="$3" webhooks="$4" rate="$5"
    [[ " $SERVERS " == *" ours "* ]] || return 0
    start_cluster "$instances" "$clients"
    local i
    local -a ports=("${CLUSTER_PORTS[@]}") pids=("${CLUSTER_PIDS[@]}") loads=()
    for ((i = 0; i < instances; i++)); do
        "$WSLOAD" fanout --host 127.0.0.1 --port "${ports[$i]}" --secret "$SECRET" --jwt-secret "$JWT" \
            --origin "$ORIGIN" --clients 50 --webhooks 100 --drain-ms 500 >/dev/null 2>&1 || true
    done
    log "$scenario: $instances instance(s), $clients clients each, $webhooks webhooks each at $rate/s"
    for ((i = 0; i < instances; i++)); do
        "$WSLOAD" fanout --host 127.0.0.1 --port "${ports[$i]}" --pid "${pids[$i]}" --secret "$SECRET" \
            --jwt-secret "$JWT" --origin "$ORIGIN" --clients "$clients" --webhooks "$webhooks" --rate "$rate" \
            --http-conns 4 --drain-ms 3000 --poll-us 1000 >"$TMP/cluster-$i.txt" 2>&1 &
        loads+=($!)
    done
    for ((i = 0; i < instances; i++)); do
        wait "${loads[$i]}" || true
    done
    for ((i = 0; i < instances; i++)); do
        local line foreign
        IFS=$'\t' read -r line foreign < <(instance_result "$scenario" "$i" "$TMP/cluster-$i.txt") || continue
        python3 - "$scenario" "$i" "$instances" "$clients" "$webhooks" "$foreign" "$line" >>"$RESULTS" <<'PY'
import json, sys
scenario, index, instances, clients, webhooks, foreign, line = sys.argv[1:8]
record = json.loads(line)
record.update(scenario=scenario, server=f"instance{index}", store="postgres", instances=int(instances))
record["foreign"] = int(foreign)
record["foreign_expected"] = int(clients) * int(webhooks) * (int(instances) - 1)
print(json.dumps(record))
PY
    done
    stop_cluster
}

# open_connections PORT...: the WebSocket connections open on these instances together.
open_connections() {
    local port sum=0 count
    for port in "$@"; do
        count="$(curl -s --max-time 2 "http://127.0.0.1:$port/metrics" \
            | awk '$1 == "bridge_websocket_connections" { print int($2) }')"
        sum=$((sum + ${count:-0}))
    done
    echo "$sum"
}

# measure_scale_cluster SCENARIO TOTAL HOLD PER-PROCESS: TOTAL connections on one machine when
# one process may not hold them all (the open-file limit, PER-PROCESS descriptors): as many
# bridges as it takes share one PostgreSQL database and one Redis, one wsload per bridge ramps
# its share, holds it HOLD seconds, then sends one webhook that each of its clients must get
# exactly once (checked by wsload); the other bridges' clients get it through Redis. A sampler
# records the most connections open at once, summed over the bridges' /metrics.
measure_scale_cluster() {
    local scenario="$1" total="$2" hold="$3" room="$4"
    [[ " $SERVERS " == *" ours "* ]] || return 0
    local instances=$(((total + room - 1) / room))
    local each=$(((total + instances - 1) / instances))
    start_cluster "$instances" "$each"
    local i
    local -a ports=("${CLUSTER_PORTS[@]}") pids=("${CLUSTER_PIDS[@]}") loads=()
    log "$scenario: $instances instances, $each clients each, held $hold s"
    for ((i = 0; i < instances; i++)); do
        "$WSLOAD" connections --host 127.0.0.1 --port "${ports[$i]}" --pid "${pids[$i]}" --secret "$SECRET" \
            --jwt-secret "$JWT" --origin "$ORIGIN" --clients "$each" --hold-s "$hold" --drain-ms 5000 \
            --ramp 2000 --connect-timeout-s 300 >"$TMP/scale-$i.txt" 2>&1 &
        loads+=($!)
    done
    # Sample every 2 s while any load generator runs; bounded by the connect timeout and hold.
    local peak=0 now sample running
    for ((sample = 0; sample < (300 + hold + 60) / 2; sample++)); do
        running=0
        for pid in "${loads[@]}"; do
            kill -0 "$pid" 2>/dev/null && running=1
        done
        ((running)) || break
        now="$(open_connections "${ports[@]}")"
        ((now > peak)) && peak=$now
        sleep 2
    done
    for ((i = 0; i < instances; i++)); do
        wait "${loads[$i]}" || true
    done
    log "$scenario: at most $peak connections open at once"
    for ((i = 0; i < instances; i++)); do
        local line foreign
        IFS=$'\t' read -r line foreign < <(instance_result "$scenario" "$i" "$TMP/scale-$i.txt") || continue
        python3 - "$scenario" "$i" "$instances" "$peak" "$foreign" "$line" >>"$RESULTS" <<'PY'
import json, sys
scenario, index, instances, peak, foreign, line = sys.argv[1:7]
record = json.loads(line)
record.update(scenario=scenario, server=f"instance{index}", store="postgres", instances=int(instances))
record.update(peak_open=int(peak), foreign=int(foreign))
print(json.dumps(record))
PY
    done
    stop_cluster
}

size() { [[ "$QUICK" == 1 ]] && echo "$2" || echo "$1"; }

for scenario in $SCENARIOS; do
    case "$scenario" in
    fanout1000)
        for kind in peer limit ours; do
            measure "$scenario" "$kind" "$([[ $kind == ours ]] && echo sqlite)" fanout --clients "$(size 1000 50)" \
                --webhooks "$(size 5000 200)" --rate 0 --http-conns 8 --drain-ms 3000 --poll-us 1000
        done
        ;;
    fanout100)
        for kind in peer limit ours; do
            measure "$scenario" "$kind" "$([[ $kind == ours ]] && echo sqlite)" fanout --clients 100 \
                --webhooks "$(size 4000 200)" --rate 200 --http-conns 8 --drain-ms 3000 --poll-us 0
        done
        ;;
    idle10000)
        for kind in peer limit ours; do
            measure "$scenario" "$kind" "$([[ $kind == ours ]] && echo sqlite)" connections \
                --clients "$(size 10000 200)" --hold-s "$(size 35 2)" --drain-ms 3000
        done
        ;;
    ingest_sqlite)
        for kind in peer limit ours; do
            measure "$scenario" "$kind" "$([[ $kind == ours ]] && echo sqlite)" ingest \
                --webhooks "$(size 20000 500)" --http-conns 8 --poll-us 0
        done
        ;;
    ingest_sqlite_normal)
        # The same, with SQLite syncing at checkpoints rather than every commit.
        SQLITE_SYNCHRONOUS=normal measure "$scenario" ours sqlite ingest --webhooks "$(size 20000 500)" \
            --http-conns 8 --poll-us 0
        ;;
    ingest_postgres)
        measure "$scenario" peer "" ingest --webhooks "$(size 20000 500)" --http-conns 8 --poll-us 0
        measure "$scenario" ours postgres ingest --webhooks "$(size 20000 500)" --http-conns 8 --poll-us 0
        ;;
    scale100k)
        # Each side holds one descriptor per connection: where the open-file limit is lower
        # than 100,000 (containers), run as many as it allows and say so (SCALE_PER_PROCESS
        # lowers that share, to try the several-instance run at small sizes).
        scale="$(size 100000 500)"
        room="${SCALE_PER_PROCESS:-$(($(ulimit -n) - 1000))}"
        if ((room < scale)); then
            log "scale100k: the open-file limit ($(ulimit -n)) allows only $room connections per process"
            scale=$room
        fi
        measure "$scenario" ours sqlite connections --clients "$scale" --hold-s "$(size 60 2)" \
            --drain-ms 5000 --ramp 5000 --connect-timeout-s 300
        # Then the whole count on this machine, over as many instances as the limit needs.
        if ((room < $(size 100000 500))); then
            measure_scale_cluster scale100k_instances "$(size 100000 500)" "$(size 60 2)" "$room"
        fi
        ;;
    cluster1)
        measure_cluster "$scenario" 1 "$(size 1000 50)" "$(size 8000 200)" 400
        ;;
    cluster2)
        measure_cluster "$scenario" 2 "$(size 500 50)" "$(size 4000 200)" 200
        ;;
    *) log "unknown scenario $scenario"; exit 2 ;;
    esac
done

python3 "$HERE/summarize.py" "$RESULTS" | tee "$OUT/$STAMP.md"
log "results: $RESULTS"
