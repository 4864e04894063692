# Helpers shared by the scripts in this folder; sourced, never run.
# shellcheck shell=bash

readonly BRIDGE_SWIFT_BIN_DEFAULT=/opt/swift/usr/bin

# The script's own name, for log prefixes.
BRIDGE_SCRIPT_NAME="$(basename "${0:-bridge}" .sh)"

log() { printf '%s: %s\n' "$BRIDGE_SCRIPT_NAME" "$*" >&2; }
warn() { log "warning: $*"; }
die() { log "error: $*"; exit 1; }

# Puts the default toolchain on PATH when no `swift` is found (setup.sh explains the rest).
ensure_swift_on_path() {
    if ! command -v swift >/dev/null 2>&1 && [[ -x "$BRIDGE_SWIFT_BIN_DEFAULT/swift" ]]; then
        export PATH="$PATH:$BRIDGE_SWIFT_BIN_DEFAULT"
    fi
    command -v swift >/dev/null 2>&1 || die "no 'swift' on PATH; run scripts/setup.sh for instructions"
}

# Phase timing: `phase_start NAME` ... `phase_end`; `phase_summary` prints every phase.
BRIDGE_PHASE_NAME=""
BRIDGE_PHASE_STARTED=0
BRIDGE_PHASE_REPORT=()
BRIDGE_RUN_STARTED=$SECONDS

phase_start() {
    BRIDGE_PHASE_NAME="$1"
    BRIDGE_PHASE_STARTED=$SECONDS
    log "== $BRIDGE_PHASE_NAME"
}

phase_end() {
    local elapsed=$((SECONDS - BRIDGE_PHASE_STARTED))
    BRIDGE_PHASE_REPORT+=("$(printf '%-10s %5ss' "$BRIDGE_PHASE_NAME" "$elapsed")")
    log "== $BRIDGE_PHASE_NAME done in ${elapsed}s"
}

phase_summary() {
    local line
    log "elapsed per phase:"
    for line in "${BRIDGE_PHASE_REPORT[@]}"; do
        log "  $line"
    done
    log "  $(printf '%-10s %5ss' total "$((SECONDS - BRIDGE_RUN_STARTED))")"
}

# Prints a TCP port on 127.0.0.1 that was free a moment ago.
free_port() {
    python3 - <<'PY'
import socket
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}
