#!/usr/bin/env python3
"""Summarise a scripts/bench.sh run: medians over rounds, the targets, and a
markdown version of the tables (results.md). Usage: summarize.py OUT_DIR"""
import csv
import os
import statistics
import sys

from figures import kv, num

OUT = sys.argv[1]
MIB = 1024.0


def read_tsv(name):
    path = os.path.join(OUT, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def med(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def wrk_seconds(v):
    """wrk's run time: 10.01s, 1.00m, 500.00ms, 1.00h."""
    for unit, scale in (("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)):
        if v.endswith(unit):
            return num(v[: -len(unit)]) * scale
    return num(v)


def result_line(path):
    """The `RESULT name k=v ...` line of a bench's output."""
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        for line in f:
            if line.startswith("RESULT "):
                return {k: num(v) for k, v in (p.split("=", 1) for p in line.split()[2:])}
    return {}


info = kv(os.path.join(OUT, "info.txt"))
raw = read_tsv("raw.tsv")
disk = read_tsv("disk.tsv")
rss = read_tsv("rss.tsv")
first = read_tsv("first.tsv")
long_run = read_tsv("long.tsv")
jwt = result_line(os.path.join(OUT, "bench-jwt.txt"))
costs = result_line(os.path.join(OUT, "bench-costs.txt"))
cores = int(info.get("cores", "2"))

# (server, phase, conns) -> medians over rounds
cells = {}
for row in raw:
    key = (row["server"], row["phase"], int(row["conns"]))
    cells.setdefault(key, []).append(row)


def cell(server, phase, conns):
    rows = cells.get((server, phase, conns))
    if not rows:
        return None
    secs = [num(r["seconds"]) for r in rows]
    return {
        "rps": med(num(r["rps"]) for r in rows),
        "ok_per_s": med(num(r["ok"]) / s for r, s in zip(rows, secs)),
        "p50": med(num(r["p50_ms"]) for r in rows),
        "p99": med(num(r["p99_ms"]) for r in rows),
        "cpu": med(num(r["cpu_us"]) for r in rows),
        "bad": sum(int(num(r["requests"]) - num(r["ok"])) for r in rows),
        "errors": sum(int(num(r["errors"])) for r in rows),
        "statuses": " ".join(sorted({r["statuses"] for r in rows if r["statuses"] != "-"})),
        "hwm": max(num(r["hwm_kb"]) for r in rows),
        "rounds": len(rows),
    }


conns_list = sorted({int(r["conns"]) for r in raw if r["phase"] != "disk"})
phases = ["protected", "verify", "refresh", "login1k", "login1m"]
servers = {"jwtd": "jwtd", "peer": "peer", "jwtd-nolog": "jwtd, ACCESS_LOG=false", "jwtd-q64": "jwtd, LOGIN_QUEUE=64"}
has_peer = any(r["server"] == "peer" for r in raw)


def fmt(v, digits=0):
    if v != v:
        return "-"
    return f"{v:,.{digits}f}"


def ms(v):
    if v != v:
        return "-"
    return f"{v:.2f}" if v < 10 else f"{v:,.0f}"


lines = []  # markdown
text = []  # terminal


def both(s=""):
    lines.append(s)


both(f"Run: {info.get('date', '?')}, jwtd {info.get('jwtd_commit', '?')}, {info.get('rounds', '?')} round(s) of "
     f"{info.get('duration', '?')} s per wrk run, connections {info.get('conns', '?')}, script time {info.get('script_seconds', '?')} s")
both(f"Machine: {info.get('cpu', '?')}, {cores} cores ({info.get('virt') or 'bare metal'}), {info.get('mem', '?')}, "
     f"{info.get('kernel', '?')}, disk {info.get('disk', '?')}; load average before {info.get('loadavg_before', '?')}, "
     f"after {info.get('loadavg_after', '?')}; {info.get('rustc', '')}, wrk {info.get('wrk', '')}")
both("")
phase_label = {
    "protected": "GET /api/protected/",
    "verify": "POST /api/token/verify/",
    "refresh": "POST /api/token/refresh/ (rotations)",
    "login1k": "POST /api/token/ (1,000 it.)",
    "login1m": "POST /api/token/ (1,000,000 it.)",
}
both(f"HTTP, `wrk -t{info.get('threads', '2')} -cN -d{info.get('duration', '10')}s --latency`, medians over rounds. For refresh and logins the rate is of 200s only.")
both("")
both("| endpoint | conns | server | 200/s | p50 ms | p99 ms | server CPU µs/req | non-200 (all rounds) |")
both("|---|---:|---|---:|---:|---:|---:|---|")
for phase in phases:
    for c in conns_list:
        for server in servers:
            name = server if phase != "login1m" else {"jwtd": "jwtd-1m", "peer": "peer-1m", "jwtd-q64": "jwtd-1m-q64"}.get(server)
            if name is None:
                continue
            x = cell(name, phase, c)
            if not x:
                continue
            other = ""
            if x["bad"] or x["errors"]:
                other = f"{x['bad']:,}" + (f" ({x['statuses']})" if x["statuses"] else "") + (f", {x['errors']} socket errors" if x["errors"] else "")
            both(f"| {phase_label[phase]} | {c} | {servers[server]} | {fmt(x['ok_per_s'])} | {ms(x['p50'])} | {ms(x['p99'])} | {fmt(x['cpu'], 1)} | {other} |")

# memory and start
def rss_of(server, when):
    return [num(r["rss_kb"]) for r in rss if r["server"] == server and r["when"] == when]


def hwm_of(server):
    """Peak RSS (VmHWM) seen after any run of `server`, in KiB."""
    after_runs = [num(r["hwm_kb"]) for r in raw if r["server"] == server and r.get("hwm_kb")]
    return after_runs + [num(r["hwm_kb"]) for r in rss if r["server"] == server and r["when"] == "idle_after_load"]


def first_of(server, col):
    return med(num(r[col]) for r in first if r["server"] == server)


both("")
both("| | jwtd | peer |")
both("|---|---:|---:|")
jb = num(info.get("jwtd_bytes"))
pb = num(info.get("peer_stripped_bytes"))
both(f"| binary, stripped | {jb / 1e6:.2f} MB ({jb / MIB / MIB:.2f} MiB) | {pb / 1e6:.2f} MB |")
both(f"| spawn to first answered request (median of {len([r for r in first if r['server'] == 'jwtd'])}) | {first_of('jwtd', 'ms'):.1f} ms | {first_of('peer', 'ms'):.1f} ms |")
both(f"| RSS 1 s after the first request | {first_of('jwtd', 'rss_kb') / MIB:.2f} MiB | {first_of('peer', 'rss_kb') / MIB:.2f} MiB |")
both(f"| RSS idle after start (fresh database, 1 s) | {med(rss_of('jwtd', 'idle_after_start')) / MIB:.2f} MiB | {med(rss_of('peer', 'idle_after_start')) / MIB:.2f} MiB |")
both(f"| RSS peak (VmHWM) over 16 and 64 connections, all endpoints | {max(hwm_of('jwtd') or [float('nan')]) / MIB:.2f} MiB | {max(hwm_of('peer') or [float('nan')]) / MIB:.2f} MiB |")
both(f"| RSS peak, 1,000,000-iteration logins | {max(hwm_of('jwtd-1m') or [float('nan')]) / MIB:.2f} MiB | {max(hwm_of('peer-1m') or [float('nan')]) / MIB:.2f} MiB |")
both(f"| RSS idle after the load | {med(rss_of('jwtd', 'idle_after_load')) / MIB:.2f} MiB | {med(rss_of('peer', 'idle_after_load')) / MIB:.2f} MiB |")

long_ok = None
if long_run:
    both("")
    lw = os.path.join(OUT, "wrk", "long-refresh.txt")
    counts = {}
    secs = float("nan")
    reqs = float("nan")
    p99 = "-"
    if os.path.exists(lw):
        with open(lw) as f:
            for line in f:
                if line.startswith("REFRESH "):
                    counts = {k: int(v) for k, v in (p.split("=") for p in line.split()[1:])}
                if " requests in " in line:
                    reqs = num(line.split()[0])
                    secs = wrk_seconds(line.split()[3].rstrip(","))
                if line.strip().startswith("99%"):
                    p99 = line.split()[1]
    samples = [(int(num(r["seconds"])), num(r["rss_kb"]), num(r["db_bytes"])) for r in long_run]
    rss_values = [s[1] for s in samples]
    warm = [s for s in samples if s[0] >= 10] or samples
    growth = warm[-1][1] - warm[0][1]
    long_ok = growth <= max(256, 0.05 * warm[0][1])
    cpu_ticks = num(info.get("long_cpu_ticks"))
    both(f"Long refresh run: {secs:.0f} s at 64 connections, {counts.get('ok', 0):,} rotations "
         f"({counts.get('ok', 0) / secs:,.0f}/s), {counts.get('bad', 0)} non-200, p99 {p99}, "
         f"{cpu_ticks * 1e6 / num(info.get('clk_tck', '100')) / reqs:.0f} µs CPU per rotation; database file {samples[0][2] / 1e6:.1f} -> {num(info.get('long_db_bytes')) / 1e6:.1f} MB.")
    both("")
    both("RSS (MiB) every few seconds: " + ", ".join(f"{s[0]}s {s[1] / MIB:.2f}" for s in samples))
    both(f"From {warm[0][0]} s to {warm[-1][0]} s RSS moved by {growth:+.0f} KiB (min {min(rss_values) / MIB:.2f}, max {max(rss_values) / MIB:.2f} MiB).")

if jwt or costs:
    both("")
    both("In-process (cargo bench), medians:")
    both("")
    both("| | jwtd | jsonwebtoken 12 | ratio |")
    both("|---|---:|---:|---:|")
    if jwt:
        both(f"| HS256 sign, SimpleJWT access token | {jwt['sign_ns']:.0f} ns | {jwt['jw_sign_ns']:.0f} ns | {jwt['sign_ratio']:.2f} |")
        both(f"| HS256 verify | {jwt['verify_ns']:.0f} ns | {jwt['jw_verify_ns']:.0f} ns | {jwt['verify_ratio']:.2f} |")
    if costs:
        both(f"| PBKDF2-SHA256, 1,000,000 iterations | {costs['pbkdf2_1m_ms']:.1f} ms | | |")
        both(f"| PBKDF2-SHA256, 10,000 iterations | {costs['pbkdf2_10k_ms']:.3f} ms | | |")
        both(f"| one durable redb rotation commit: wall / CPU | {costs['rotation_commit_us']:.0f} µs / {costs.get('rotation_cpu_us', float('nan')):.0f} µs | | |")
        both(f"| 4 KiB write + fdatasync on the same disk | {costs['fdatasync_us']:.0f} µs | | |")
        both(f"| login at 10,000 it. (Auth::login), all but the hash | {costs['login_rest_pct']:.1f}% | | |")
        if "issue_cpu_us" in costs:
            both(f"| CPU of the durable commit a login queues (writer thread) | {costs['issue_cpu_us']:.0f} µs = {100 * costs['issue_cpu_us'] / costs['login_10k_us']:.1f}% of a login | | |")
        both(f"| group commit, 16 / 64 threads | {costs['group16_per_s']:,.0f} / {costs['group64_per_s']:,.0f} rotations/s | | |")

# durable refresh on disk: per rotation, medians over rounds
def disk_cell(server, conns):
    rows = [r for r in disk if r["server"] == server and int(r["conns"]) == conns and num(r["rotations"]) > 0]
    if not rows:
        return None
    per = lambda a, b: med((num(r[b]) - num(r[a])) / num(r["rotations"]) for r in rows)
    return {
        "rotations": med(num(r["rotations"]) for r in rows),
        "file": per("size_before", "size_after"),
        "alloc": per("alloc_before", "alloc_after"),
        "written": med(num(r["written"]) / num(r["rotations"]) for r in rows),
    }


disk_conns = sorted({int(r["conns"]) for r in disk}, reverse=True)
if disk:
    both("")
    both(f"Durable refresh on disk, {info.get('disk_seconds', '?')} s per run: per rotation, the database's growth "
         "(bytes allocated to the file; its length, which redb doubles, in brackets) and the bytes the server had written "
         "to storage (/proc/PID/io write_bytes).")
    both("")
    both("| conns | server | rotations | growth B | written B |")
    both("|---:|---|---:|---:|---:|")
    for c in disk_conns:
        for server in ["jwtd", "peer"]:
            x = disk_cell(server, c)
            if x:
                both(f"| {c} | {server} | {x['rotations']:,.0f} | {x['alloc']:,.0f} ({x['file']:,.0f}) | {x['written']:,.0f} |")

# targets
both("")
both("Targets:")
both("")
targets = []


def target(name, value, ok):
    mark = "met" if ok else "MISSED"
    if ok is None:
        mark = "n/a"
    targets.append((name, value, mark))
    both(f"- {mark}: {name}: {value}")


for phase in ["protected", "verify"]:
    for c in conns_list:
        j, p = cell("jwtd", phase, c), cell("peer", phase, c)
        if j and p:
            target(f"{phase} c{c} server CPU per request <= 0.6x the peer's", f"{j['cpu']:.1f} vs {p['cpu']:.1f} µs ({j['cpu'] / p['cpu']:.2f}x)", j["cpu"] <= 0.6 * p["cpu"])
            target(f"{phase} c{c} requests/s >= 1.3x the peer's", f"{j['rps']:,.0f} vs {p['rps']:,.0f} ({j['rps'] / p['rps']:.2f}x)", j["rps"] >= 1.3 * p["rps"])
if jwt:
    target("in-process HS256 verify <= 0.5x jsonwebtoken", f"{jwt['verify_ratio']:.2f}x", jwt["verify_ratio"] <= 0.5)
for c in conns_list:
    j, p = cell("jwtd", "refresh", c), cell("peer", "refresh", c)
    if j and p:
        target(f"durable refresh c{c} >= 1.5x the peer's rotations/s, all 200", f"{j['ok_per_s']:,.0f} vs {p['ok_per_s']:,.0f}/s ({j['ok_per_s'] / p['ok_per_s']:.2f}x), {j['bad']} non-200", j["ok_per_s"] >= 1.5 * p["ok_per_s"] and j["bad"] == 0)


def cpu_per_ok(name, phase, c):
    """Server CPU per 200 (the CPU of any 429s included)."""
    rows = cells.get((name, phase, c)) or []
    return med(num(r["cpu_us"]) * num(r["requests"]) / max(num(r["ok"]), 1) for r in rows)


for c in conns_list:
    j, p = cell("jwtd", "login1k", c), cell("peer", "login1k", c)
    if j and p and j["ok_per_s"] > 0 and p["ok_per_s"] > 0:
        jc, pc = cpu_per_ok("jwtd", "login1k", c), cpu_per_ok("peer", "login1k", c)
        target(f"server CPU per 1,000-it. login c{c} <= 1.1x the peer's", f"{jc:,.0f} vs {pc:,.0f} µs ({jc / pc:.2f}x)", jc <= 1.1 * pc)
for c in conns_list:
    for variant, label in [("", ""), ("-q64", ", LOGIN_QUEUE=64")]:
        j = cell("jwtd-1m" + variant, "login1m", c)
        if not j or not costs:
            continue
        ceiling = cores * 1000 / costs["pbkdf2_1m_ms"]
        target(f"logins 1,000,000 it. c{c}{label}: 200/s = cores / hash time ({ceiling:,.1f}/s)",
               f"{j['ok_per_s']:,.1f}/s ({100 * j['ok_per_s'] / ceiling:.0f}%)", j["ok_per_s"] >= 0.95 * ceiling)
for c in disk_conns:
    j, p = disk_cell("jwtd", c), disk_cell("peer", c)
    if j and p:
        target(f"database growth per rotation c{c} <= 1.2x the peer's", f"{j['alloc']:,.0f} vs {p['alloc']:,.0f} B ({j['alloc'] / p['alloc']:.2f}x)", j["alloc"] <= 1.2 * p["alloc"])
        target(f"bytes written per rotation c{c} <= the peer's", f"{j['written']:,.0f} vs {p['written']:,.0f} B ({j['written'] / p['written']:.2f}x)", j["written"] <= p["written"])
target("stripped release binary <= 2,000,000 bytes", f"{jb:,.0f} bytes", jb <= 2_000_000)
idle = med(rss_of("jwtd", "idle_after_start"))
target("idle RSS <= 3 MiB", f"{idle / MIB:.2f} MiB after start, {med(rss_of('jwtd', 'idle_after_load')) / MIB:.2f} MiB after the load", idle <= 3 * MIB)
peak = max(hwm_of("jwtd") + hwm_of("jwtd-1m") or [float("nan")])
target("RSS <= 8 MiB under 64 connections", f"peak {peak / MIB:.2f} MiB", peak <= 8 * MIB)
fr = first_of("jwtd", "ms")
target("first request served <= 20 ms after start", f"{fr:.1f} ms", fr <= 20)
if long_ok is not None:
    target("memory flat over a long refresh run", "see the samples above", long_ok)

# README table
both("")
both("For the README (SimpleJWT under gunicorn: figures from the issue, not measured here):")
both("")
both("| on 2 cores | jwtd | axum + jsonwebtoken | SimpleJWT (gunicorn) |")
both("|---|---:|---:|---:|")
jp, pp = cell("jwtd", "protected", 16), cell("peer", "protected", 16)
if jp:
    both(f"| `GET /api/protected/`, 16 connections | {jp['rps']:,.0f} req/s | {pp['rps'] if pp else float('nan'):,.0f} req/s | 511 req/s |")
    both(f"| server CPU per protected request | {jp['cpu']:.1f} µs | {pp['cpu'] if pp else float('nan'):.1f} µs | ~2,300 µs |")
jr, pr = cell("jwtd", "refresh", 16), cell("peer", "refresh", 16)
if jr:
    both(f"| durable refresh rotations/s, 16 connections | {jr['ok_per_s']:,.0f} | {pr['ok_per_s'] if pr else float('nan'):,.0f} | |")
jl, pl, jq = cell("jwtd-1m", "login1m", 16), cell("peer-1m", "login1m", 16), cell("jwtd-1m-q64", "login1m", 16)
if jl:
    queued = f" ({jq['ok_per_s']:.1f} with LOGIN_QUEUE=64)" if jq else ""
    both(f"| logins/s at 1,000,000 PBKDF2 iterations, 16 connections | {jl['ok_per_s']:.1f}{queued} | {pl['ok_per_s'] if pl else float('nan'):.1f} | |")
both(f"| memory (RSS) idle / peak at 64 connections | {idle / MIB:.1f} / {max(hwm_of('jwtd') or [float('nan')]) / MIB:.1f} MiB | "
     f"{med(rss_of('peer', 'idle_after_start')) / MIB:.1f} / {max(hwm_of('peer') or [float('nan')]) / MIB:.1f} MiB | 118-131 MiB |")
both(f"| binary | {jb / 1e6:.2f} MB | {pb / 1e6:.2f} MB | (Python + Django) |")
both(f"| start to first request | {fr:.0f} ms | {first_of('peer', 'ms'):.0f} ms | |")

with open(os.path.join(OUT, "results.md"), "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
