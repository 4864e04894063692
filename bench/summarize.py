"""Turns the JSON lines bench/run.sh wrote into the markdown table of docs/benchmarks.md."""

import json
import sys
from collections import defaultdict

METRICS = {
    "fanout": [("deliveries_per_s", "deliveries/s", "{:,.0f}"), ("p99_ms", "p99 ms", "{:.1f}")],
    "connections": [("kib_per_conn", "KiB/conn", "{:.2f}"), ("connect_p99_ms", "connect p99 ms", "{:.1f}")],
    "ingest": [("accepted_per_s", "accepted/s", "{:,.0f}"), ("p99_ms", "p99 ms", "{:.1f}")],
}


def value(record, key, fmt):
    number = record.get(key)
    return "—" if number is None else fmt.format(number)


def per_unit(record):
    syscalls = record.get("syscalls")
    units = record.get("deliveries") or record.get("accepted") or record.get("clients_ready")
    if not syscalls or not units:
        return "—"
    return "{:.3f}".format(syscalls / units)


def main(path):
    by_scenario = defaultdict(dict)
    with open(path) as handle:
        for line in handle:
            record = json.loads(line)
            by_scenario[record["scenario"]][record["server"]] = record
    clusters = {name: servers for name, servers in by_scenario.items() if name.startswith("cluster")}
    spread = {name: servers for name, servers in by_scenario.items() if name.endswith("_instances")}
    singles = {name: servers for name, servers in by_scenario.items() if name not in clusters and name not in spread}
    if singles:
        print_comparison(singles)
    if clusters:
        print_clusters(clusters)
    if spread:
        print_spread(spread)


def print_spread(by_scenario):
    """One row per instance of a connection count spread over several instances, then the total."""
    print()
    print("| scenario | instance | clients ready | open after hold | broadcast got/expected | duplicates | "
          "other instances' broadcasts | KiB/conn | connect p99 ms | server CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for scenario, servers in by_scenario.items():
        records = [record for _, record in sorted(servers.items())]
        for name, record in sorted(servers.items()):
            print(f"| {scenario} | {name} | {record.get('clients_ready', 0):,} | {record.get('alive_after_hold', 0):,} | "
                  f"{record.get('broadcast_received', 0):,}/{record.get('broadcast_expected', 0):,} | "
                  f"{record.get('duplicates', 0)} | {record.get('foreign', 0):,} | "
                  f"{record.get('kib_per_conn', 0):.2f} | {record.get('connect_p99_ms', 0):.1f} | "
                  f"{record.get('server_cpu_s', 0):.2f} |")
        ready = sum(record.get("clients_ready", 0) for record in records)
        got = sum(record.get("broadcast_received", 0) for record in records)
        expected = sum(record.get("broadcast_expected", 0) for record in records)
        dups = sum(record.get("duplicates", 0) for record in records)
        peak = max(record.get("peak_open", 0) for record in records)
        print(f"| {scenario} | all {len(records)} | {ready:,} | {peak:,} open at once at most | {got:,}/{expected:,} | "
              f"{dups} | | | | |")


def print_clusters(by_scenario):
    """One row per instance: its own events (checked by wsload) and the other instances' ones."""
    print()
    print("| scenario | instance | clients | own deliveries/s | own p99 ms | own lost/dup | "
          "cross deliveries (got/expected) | all deliveries/s | server CPU s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for scenario, servers in by_scenario.items():
        for name, record in sorted(servers.items()):
            own_rate = record.get("deliveries_per_s") or 0
            total = record.get("deliveries", 0) + record.get("foreign", 0)
            everything = total / record["duration_s"] if record.get("duration_s") else 0
            print(f"| {scenario} | {name} | {record.get('clients_ready')} | {own_rate:,.0f} | "
                  f"{record.get('p99_ms', 0):.1f} | {record.get('lost', 0)}/{record.get('duplicates', 0)} | "
                  f"{record.get('foreign', 0):,}/{record.get('foreign_expected', 0):,} | {everything:,.0f} | "
                  f"{record.get('server_cpu_s', 0):.2f} |")


def print_comparison(by_scenario):
    print("| scenario | metric | ours | Node peer | C limit | ours/peer | ours/limit |")
    print("|---|---|---|---|---|---|---|")
    for scenario, servers in by_scenario.items():
        mode = next(iter(servers.values()))["mode"]
        ours, peer, limit = servers.get("ours", {}), servers.get("peer", {}), servers.get("limit", {})
        rows = METRICS.get(mode, []) + [("server_cpu_s", "server CPU s", "{:.2f}")]
        for key, label, fmt in rows:
            cells = [value(ours, key, fmt), value(peer, key, fmt), value(limit, key, fmt)]
            ratios = []
            for other in (peer, limit):
                a, b = ours.get(key), other.get(key)
                ratios.append("{:.2f}×".format(a / b) if a is not None and b else "—")
            print(f"| {scenario} | {label} | " + " | ".join(cells + ratios) + " |")
        print(f"| {scenario} | syscalls/unit | {per_unit(ours)} | {per_unit(peer)} | {per_unit(limit)} | | |")
        lost = [f"{name} {rec.get('lost', 0)}/{rec.get('duplicates', 0)}/{rec.get('errors', 0)}"
                for name, rec in servers.items()]
        print(f"| {scenario} | lost/dup/errors | " + "; ".join(lost) + " | | | | |")


if __name__ == "__main__":
    main(sys.argv[1])
