#!/usr/bin/env bash
# Builds and starts the bridge for local development with a `demo` webhook source.
# On first run it writes ./data/dev.env with freshly generated development secrets (mode 600);
# later runs reuse it. Variables already set in the environment win over the file.
#
#   scripts/run-demo.sh                       build (release) and serve on 127.0.0.1:8080
#   PORT=9090 scripts/run-demo.sh             another port (also written to a new dev.env)
#   BRIDGE_SCRATCH_PATH=/tmp/b, BRIDGE_BUILD_JOBS=1, DEMO_PAGE_PORT=8081   build and page options
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

readonly DATA_DIR=data
readonly ENV_FILE="$DATA_DIR/dev.env"
readonly PAGE_PORT="${DEMO_PAGE_PORT:-8081}"

swift_flags=(-c release)
if [[ -n "${BRIDGE_SCRATCH_PATH:-}" ]]; then
    swift_flags+=(--scratch-path "$BRIDGE_SCRATCH_PATH")
fi
build_flags=()
if [[ -n "${BRIDGE_BUILD_JOBS:-}" ]]; then
    build_flags+=(-j "$BRIDGE_BUILD_JOBS")
fi

# Writes a new development env file; secrets go straight from openssl into the file.
write_env_file() {
    local port="${PORT:-8080}"
    local jwt_secret webhook_secret
    jwt_secret="$(openssl rand -base64 48 | tr -d '\n')"
    webhook_secret="$(openssl rand -base64 32 | tr -d '\n')"
    local origins="http://localhost:$port,http://127.0.0.1:$port"
    origins+=",http://localhost:$PAGE_PORT,http://127.0.0.1:$PAGE_PORT"
    (
        umask 077
        cat >"$ENV_FILE.tmp" <<ENV
# Development settings for scripts/run-demo.sh, generated $(date -u +%Y-%m-%dT%H:%M:%SZ).
# Secrets for local use only. Delete this file to generate new ones.
HOST=127.0.0.1
PORT=$port
DATABASE_URL=sqlite:./data/bridge.sqlite3
JWT_SECRET=$jwt_secret
WEBHOOK_SOURCES=demo
WEBHOOK_SECRET_DEMO=whsec_$webhook_secret
ALLOWED_ORIGINS=$origins
WS_ALLOW_MISSING_ORIGIN=1
LOG_LEVEL=info
LOG_FORMAT=text
ENV
    )
    chmod 600 "$ENV_FILE.tmp"
    mv "$ENV_FILE.tmp" "$ENV_FILE"
    log "wrote development settings to $ENV_FILE"
}

# Exports each KEY=value line of the env file unless KEY is already set in the environment.
load_env_file() {
    local line key value
    local overridden=()
    while IFS= read -r line || [[ -n "$line" ]]; do
        [[ -z "$line" || "$line" == \#* ]] && continue
        if [[ ! "$line" =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]]; then
            die "$ENV_FILE: cannot read a line (expected KEY=value)"
        fi
        key="${BASH_REMATCH[1]}"
        value="${BASH_REMATCH[2]}"
        if [[ -z "${!key+set}" ]]; then
            export "$key=$value"
        elif [[ "${!key}" != "$value" ]]; then
            overridden+=("$key")
        fi
    done <"$ENV_FILE"
    if [[ ${#overridden[@]} -gt 0 ]]; then
        log "from your environment, overriding $ENV_FILE: ${overridden[*]}"
    fi
}

phase_start setup
scripts/setup.sh
ensure_swift_on_path
phase_end

phase_start build
swift build "${swift_flags[@]}" "${build_flags[@]}" --product bridge
bin_dir="$(swift build "${swift_flags[@]}" --show-bin-path)"
bridge="$bin_dir/bridge"
[[ -x "$bridge" ]] || die "build finished but $bridge is missing"
case "$bridge" in
"$PWD"/*) bridge_cmd="${bridge#"$PWD"/}" ;;
*) bridge_cmd="$bridge" ;;
esac
phase_end

mkdir -p "$DATA_DIR"
chmod 700 "$DATA_DIR"
if [[ ! -f "$ENV_FILE" ]]; then
    write_env_file
else
    log "using existing development settings in $ENV_FILE"
fi
chmod 600 "$ENV_FILE"
load_env_file

cat >&2 <<HELP

The bridge is starting on http://${HOST:-127.0.0.1}:${PORT:-8080} with webhook source 'demo'.
Development secrets: $ENV_FILE (delete it to generate new ones).

In another terminal, from $(pwd):

  # load the same settings
  set -a; . $ENV_FILE; set +a

  # a token for the WebSocket (valid 1 hour by default)
  $bridge_cmd token --sub alice --org acme --role admin

  # watch updates from a terminal (or use the browser page below)
  python3 examples/ws-listen.py --token "\$($bridge_cmd token --sub alice --org acme --role admin)"

  # send a signed webhook from the examples
  $bridge_cmd send --source demo --file examples/payloads/order-created.json

Browser page: python3 -m http.server $PAGE_PORT --bind 127.0.0.1 --directory examples/browser
then open http://127.0.0.1:$PAGE_PORT/ and paste the token.

HELP

exec "$bridge" serve
