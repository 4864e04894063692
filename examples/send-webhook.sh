#!/usr/bin/env bash
# Sends example payloads to a running bridge with `bridge send`, which signs each body with
# the source's secret (WEBHOOK_SECRET_<SOURCE>) the way an upstream system would.
#
#   examples/send-webhook.sh                          the order's story, in version order
#   examples/send-webhook.sh examples/payloads/order-updated.json
#   SOURCE=demo URL=http://127.0.0.1:8080/webhooks/demo BRIDGE=.build/release/bridge examples/send-webhook.sh
#
# Settings come from the environment, then from data/dev.env (written by scripts/run-demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

readonly ENV_FILE=data/dev.env
readonly SOURCE="${SOURCE:-demo}"
readonly BRIDGE="${BRIDGE:-.build/release/bridge}"

if [[ ! -x "$BRIDGE" ]]; then
    echo "send-webhook: $BRIDGE not found; run scripts/run-demo.sh first or set BRIDGE" >&2
    exit 1
fi

# Loads data/dev.env without overriding variables that are already set.
if [[ -f "$ENV_FILE" ]]; then
    while IFS= read -r line || [[ -n "$line" ]]; do
        [[ "$line" =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]] || continue
        key="${BASH_REMATCH[1]}"
        [[ -n "${!key+set}" ]] || export "$key=${BASH_REMATCH[2]}"
    done <"$ENV_FILE"
fi

files=("$@")
if [[ ${#files[@]} -eq 0 ]]; then
    files=(
        examples/payloads/order-created.json
        examples/payloads/order-item-created.json
        examples/payloads/order-updated.json
        examples/payloads/order-item-updated.json
        examples/payloads/order-item-deleted.json
        examples/payloads/order-status-changed.json
        examples/payloads/order-item-status-changed.json
        examples/payloads/order-deleted.json
    )
fi

url_args=()
if [[ -n "${URL:-}" ]]; then
    url_args=(--url "$URL")
fi

for file in "${files[@]}"; do
    echo "== $file"
    "$BRIDGE" send --source "$SOURCE" --file "$file" "${url_args[@]}"
done
