#!/usr/bin/env python3
"""Summarise a `scripts/bench.sh --postgres` run: each PostgreSQL cell next to
the redb cell of the same run, the ratio, and the targets. Prints markdown
and writes it to OUT/results-postgres.md. Usage: pg_summary.py OUT_DIR"""
import csv
import os
import sys

from figures import kv, num

OUT = sys.argv[1]

ENDPOINT = {
    "protected": "GET /api/protected/",
    "verify": "POST /api/token/verify/",
    "refresh": "POST /api/token/refresh/ (durable rotation)",
    "login1k": "POST /api/token/ (login, 1,000 iterations)",
}
REPLICAS = {"x1": "1 replica", "x2": "2 replicas"}


def rate(v):
    return "nan" if v != v else f"{v:,.0f}"


def fixed(v, digits=1):
    return "-" if v != v else f"{v:,.{digits}f}"


info = kv(os.path.join(OUT, "info.txt"))
with open(os.path.join(OUT, "pg.tsv")) as f:
    rows = list(csv.DictReader(f, delimiter="\t"))
cells = {(r["label"], r["phase"], int(r["conns"])): r for r in rows}

lines = []
say = lines.append


def control(label, phase, c):
    """Two redb processes on separate databases, loaded as PG x2 is."""
    r = cells.get(("redb2", phase, c))
    if label != "x2" or not r:
        return ""
    return f"{rate(num(r['rate']))} (p99 {fixed(num(r['p99_ms']), 2)} ms)"

say(
    f"PostgreSQL mode: {info.get('date', '?')}, jwtd {info.get('jwtd_commit', '?')}, "
    f"PostgreSQL {info.get('pg_version', '?')} (fsync={info.get('pg_fsync', '?')}, "
    f"synchronous_commit={info.get('pg_synchronous_commit', '?')}, "
    f"wal_sync_method={info.get('pg_wal_sync_method', '?')}, cluster: {info.get('pg_cluster', '?')}), "
    f"{info.get('duration', '?')} s per cell after a {info.get('warmup', '?')} s warm-up per server, wrk threads {info.get('threads', '?')} in all, "
    f"script time {info.get('script_seconds', '?')} s"
)
say("")
say(
    f"Machine: {info.get('cpu', '?')}, {info.get('cores', '?')} cores ({info.get('virt', '')}), "
    f"{info.get('kernel', '?')}, disk {info.get('disk', '?')}; load average before "
    f"{info.get('loadavg_before', '?')}, after {info.get('loadavg_after', '?')}"
)
say("")
say(
    "200/s: successful answers per second (for 2 replicas, the sum of the two wrk "
    "processes, one per replica, each with half the connections and threads). "
    "redb: jwtd on redb (the default build), the same cell in the same run. "
    "CPU per request: the jwtd processes' (for 2 replicas both), and the whole "
    "PostgreSQL cluster's; over all requests. Latency: the worse of the wrk processes."
)
say("")
say(
    "| endpoint | conns | replicas | 200/s | redb 200/s | ratio | p50 ms | p99 ms "
    "| jwtd CPU µs/req (redb) | PostgreSQL CPU µs/req | non-200 | commit check | other load, cores (redb) | answered in jwtd > 100 ms (worst) "
    "| control: 2 redb processes 200/s |"
)
say("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
phases = []
for r in rows:
    if r["phase"] not in phases:
        phases.append(r["phase"])
conns_all = sorted({int(r["conns"]) for r in rows})
for phase in phases:
    for c in conns_all:
        base = cells.get(("redb", phase, c))
        base_rate = num(base["rate"]) if base else float("nan")
        base_cpu = num(base["jwtd_cpu_us"]) if base else float("nan")
        for label in ("x1", "x2"):
            r = cells.get((label, phase, c))
            if not r:
                continue
            rr = num(r["rate"])
            ratio = rr / base_rate if base_rate > 0 else float("nan")
            check = r["check"]
            if check != "-":
                parts = dict(p.split("=", 1) for p in check.split(",") if "=" in p)
                verdict = check.rsplit(",", 1)[-1]
                check = (
                    f"{verdict}: {int(parts['blacklisted']):,} blacklisted rows, "
                    f"{int(parts['200s']):,} 200s"
                )
            say(
                f"| {ENDPOINT.get(phase, phase)} | {c} | {REPLICAS[label]} | {rate(rr)} | {rate(base_rate)} "
                f"| {fixed(ratio, 2)}x | {fixed(num(r['p50_ms']), 2)} | {fixed(num(r['p99_ms']), 2)} "
                f"| {fixed(num(r['jwtd_cpu_us']))} ({fixed(base_cpu)}) | {fixed(num(r['pg_cpu_us']))} "
                f"| {int(r['non200']) + int(r['errors'])} | {check} "
                f"| {r.get('other_cores', '-')} ({base.get('other_cores', '-') if base else '-'}) "
                f"| {r.get('slow_in_jwtd', '-')} ({r.get('worst_in_jwtd_ms', '-')} ms) "
                f"| {control(label, phase, c)} |"
            )
say("")
say("Non-200 counts non-200 answers and socket errors. The commit check (refresh on")
say("PostgreSQL): rows added to token_blacklist_blacklistedtoken during the cell, counted")
say("with psql once the replicas were idle, against the 200s wrk saw: ok when")
say("200s <= rows <= 200s + connections (answers in flight when wrk stopped are lost to wrk).")
say("Other load: the machine's busy CPU during the cell (user, nice, system, steal) less that")
say("of the servers, the cluster and wrk, in cores (of 2): other work on this shared machine,")
say("the cell's noise. Answered in jwtd > 100 ms: requests whose time in jwtd (its access")
say("log, from the request read to the answer written) was over 100 ms, and the longest.")
say("Control: two jwtd on redb, each on its own database, loaded like the 2-replica cell (two")
say("wrk processes, half the connections each): what two processes and two load generators get")
say("on this machine without PostgreSQL; not a replica set (they share no data).")
say("")

say("Targets:")


def verdict(ok):
    return "met" if ok else "MISSED"


for c in conns_all:
    base = cells.get(("redb", "protected", c))
    for label in ("x1", "x2"):
        r = cells.get((label, "protected", c))
        if not (base and r):
            continue
        n = int(r["replicas"])
        per = num(r["rate"]) / n
        ratio = per / num(base["rate"])
        say(
            f"- protected, c{c}, {REPLICAS[label]}: {rate(per)} req/s per replica = "
            f"{ratio:.2f}x redb's {rate(num(base['rate']))} (target >= 0.5x): {verdict(ratio >= 0.5)}"
            + (" (two replicas share the same 2 cores: the sum is "
               f"{num(r['rate']) / num(base['rate']):.2f}x redb)" if n > 1 else "")
        )
    for label in ("x1", "x2"):
        r = cells.get((label, "refresh", c))
        if not r:
            continue
        rr = num(r["rate"])
        say(f"- durable rotations, c{c}, {REPLICAS[label]}: {rate(rr)}/s (target >= 2,000): {verdict(rr >= 2000)}")
        say(f"- every 200 committed, c{c}, {REPLICAS[label]}: {r['check']}")

text = "\n".join(lines) + "\n"
sys.stdout.write(text)
with open(os.path.join(OUT, "results-postgres.md"), "w") as f:
    f.write(text)
