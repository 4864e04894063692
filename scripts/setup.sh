#!/usr/bin/env bash
# Prepares a Debian 12 machine to build and test the bridge: installs the missing Debian
# packages (and only those) and checks that a Swift 6 toolchain is reachable. Safe to re-run.
# Runs as root, or through sudo for the installation step.
set -euo pipefail

readonly PACKAGES=(
    pkg-config
    openssl
    libwebsockets-dev
    libsqlite3-dev
    libssl-dev
    libpq-dev
    libcurl4-openssl-dev
    libhiredis-dev
    postgresql
    redis-server
    python3
    python3-pip
    prometheus
)
readonly SWIFT_HOME_DEFAULT=/opt/swift/usr/bin

log() { printf 'setup: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if [[ "$(id -u)" -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run '$*'; re-run as root or install sudo"
    fi
}

is_installed() {
    local status
    status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)"
    [[ "$status" == "install ok installed" ]]
}

install_missing_packages() {
    command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script expects Debian 12"
    local missing=()
    local package
    for package in "${PACKAGES[@]}"; do
        is_installed "$package" || missing+=("$package")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        log "all Debian packages present"
        return
    fi
    log "installing: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

check_swift() {
    if ! command -v swift >/dev/null 2>&1 && [[ -x "$SWIFT_HOME_DEFAULT/swift" ]]; then
        export PATH="$PATH:$SWIFT_HOME_DEFAULT"
        log "swift found in $SWIFT_HOME_DEFAULT; add it to your PATH:"
        log "  export PATH=\"\$PATH:$SWIFT_HOME_DEFAULT\""
    fi
    if ! command -v swift >/dev/null 2>&1; then
        log "error: no 'swift' on PATH and none in $SWIFT_HOME_DEFAULT."
        log "Install a Swift 6 toolchain for Debian 12 from https://www.swift.org/install/linux/"
        log "(unpack it so that $SWIFT_HOME_DEFAULT/swift exists, or put its usr/bin on PATH), then re-run."
        exit 1
    fi
    local version
    version="$(swift --version 2>/dev/null | head -n 1 || true)"
    if [[ ! "$version" =~ Swift\ version\ ([0-9]+) ]] || (( BASH_REMATCH[1] < 6 )); then
        die "Swift 6 or newer is required; found: ${version:-unknown}"
    fi
    log "using ${version}"
}

# The acknowledgement tests verify signatures with the reference Standard Webhooks library.
install_python_packages() {
    if python3 -c 'import standardwebhooks' 2>/dev/null; then
        return
    fi
    log "installing the standardwebhooks Python package"
    python3 -m pip install --quiet standardwebhooks 2>/dev/null \
        || as_root python3 -m pip install --quiet --break-system-packages standardwebhooks
}

install_missing_packages
install_python_packages
check_swift
