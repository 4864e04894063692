#!/usr/bin/env bash
# Builds the libFuzzer target (BridgeCore + BridgeCrypto + fuzz/*.swift, ASan) and runs it.
#
# Usage: fuzz/run.sh [seconds]   (default 600)
# Env:   FUZZ_BUILD  build and work directory (default /tmp/bridge-fuzz)
#        SWIFTC      compiler (default /opt/swift/usr/bin/swiftc, else swiftc on PATH)
# Exit:  0 when the run ends without a crash; non-zero on a build failure or a crash, whose
#        input is left in $FUZZ_BUILD/artifacts/.
set -euo pipefail

seconds="${1:-600}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="${FUZZ_BUILD:-/tmp/bridge-fuzz}"
swiftc="${SWIFTC:-/opt/swift/usr/bin/swiftc}"
[ -x "$swiftc" ] || swiftc="$(command -v swiftc)"

flags=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6 -I "$build/modules")
mkdir -p "$build/modules" "$build/corpus" "$build/artifacts"
log="$build/compile.log"
: >"$log"

compile() {
    # ld.gold prints a warning per ASan symbol; keep the log and show it only on failure.
    if ! "$swiftc" "$@" >>"$log" 2>&1; then
        grep -v 'Cannot export local symbol' "$log" >&2
        echo "fuzz: build failed (full log: $log)" >&2
        exit 2
    fi
}

echo "fuzz: building in $build"
compile "${flags[@]}" -emit-library -static -emit-module -module-name BridgeCore \
    -emit-module-path "$build/modules/BridgeCore.swiftmodule" \
    -o "$build/libBridgeCore.a" "$root"/Sources/BridgeCore/*.swift
compile "${flags[@]}" -emit-library -static -emit-module -module-name BridgeCrypto \
    -I "$root/Sources/COpenSSL" \
    -emit-module-path "$build/modules/BridgeCrypto.swiftmodule" \
    -o "$build/libBridgeCrypto.a" "$root"/Sources/BridgeCrypto/*.swift
compile "${flags[@]}" -module-name BridgeFuzz -I "$root/Sources/COpenSSL" \
    "$here"/*.swift "$build/libBridgeCrypto.a" "$build/libBridgeCore.a" -lcrypto \
    -o "$build/bridge-fuzz"

# The committed seeds stay read-only; new corpus entries go to the build directory.
cp "$here"/corpus/* "$build/corpus/"

# One process on one thread, libFuzzer's default: -jobs/-workers would fork children logging to ./fuzz-N.log.
echo "fuzz: running for ${seconds}s"
status=0
"$build/bridge-fuzz" "$build/corpus" \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/" 2>"$build/fuzz.log" || status=$?

summary='^(FUZZ-NOTICE|INFO: Seed|INFO: Loaded 1 PC|#[0-9]+[[:space:]]+(INITED|DONE)|stat::|Done [0-9]+ runs)'
grep -E "$summary" "$build/fuzz.log" || true
if [ "$status" -ne 0 ]; then
    grep -v 'Cannot export local symbol' "$build/fuzz.log" | tail -60 >&2
    echo "fuzz: CRASH (exit $status); inputs in $build/artifacts/" >&2
    ls -l "$build/artifacts/" >&2
    exit 1
fi
echo "fuzz: no crash in ${seconds}s"
