#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests.
#
#   scripts/postgres.sh start DIR   make a cluster in DIR and start it; prints
#                                   one line on stdout, its URL:
#                                   postgres://postgres@127.0.0.1:PORT/postgres
#   scripts/postgres.sh stop DIR    stop it (fast mode) and remove DIR
#   scripts/postgres.sh pause DIR   stop the server (fast mode), keeping DIR:
#                                   for tests of a database that goes away
#   scripts/postgres.sh resume DIR  start it again on the same port
#
# DIR must be missing or empty at start: a second start in the same DIR
# fails. DIR holds the data (DIR/data), the unix socket, and the server's
# log (DIR/log); progress goes to stderr, only the URL to stdout.
#
# The server: initdb -U postgres --auth=trust -E UTF8 --locale=C (the
# superuser postgres, no password), listening on 127.0.0.1 only, on a free
# port, max_connections=200. fsync stays on (a crash test relies on it)
# unless PG_FSYNC=off is in the environment.
#
# initdb and pg_ctl come from /usr/lib/postgresql/*/bin (the highest
# version), else PATH. If there are none, Debian's or Ubuntu's postgresql
# package is installed with apt-get (as root, or through sudo), and this
# FAILS, never skips, if it cannot. PostgreSQL refuses to run as root: as
# root, the server runs as the postgres account (created if missing),
# which then owns DIR.
set -euo pipefail

# stdout carries the URL alone; everything else goes to stderr.
exec 3>&1 1>&2

MARKER=.jwtd-postgres-cluster

die() { echo "postgres: $*" >&2; exit 1; }
say() { echo "postgres: $*" >&2; }

usage() { die "usage: scripts/postgres.sh start|stop|pause|resume DIR"; }

[[ $# -eq 2 ]] || usage
action=$1
[[ -n "$2" ]] || usage
DIR=$(realpath -m -- "$2")

# The server binaries: the highest /usr/lib/postgresql/N/bin, else PATH.
find_bindir() {
    local d best=""
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
        [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && best=$d
    done
    if [[ -n "$best" ]]; then
        echo "$best"
        return
    fi
    local initdb pg_ctl
    initdb=$(command -v initdb) || return 1
    pg_ctl=$(command -v pg_ctl) || return 1
    [[ "$(dirname "$initdb")" == "$(dirname "$pg_ctl")" ]] || return 1
    dirname "$initdb"
}

install_postgresql() {
    command -v apt-get >/dev/null \
        || die "no PostgreSQL server (initdb, pg_ctl) and no apt-get to install it. The PostgreSQL tests FAIL; they do not skip"
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        command -v sudo >/dev/null \
            || die "no PostgreSQL server, and not root to install it. The PostgreSQL tests FAIL; they do not skip"
        sudo=(sudo -n)
    fi
    say "no PostgreSQL server on this machine; installing the postgresql package with apt-get"
    local started=$SECONDS
    export DEBIAN_FRONTEND=noninteractive
    # The package starts the distribution's own cluster on port 5432 unless
    # told not to; a policy-rc.d that refuses service starts (the Debian
    # convention for containers) keeps it stopped. Only one of ours is
    # removed afterwards.
    local policy=/usr/sbin/policy-rc.d ours=""
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null && ours=1
        "${sudo[@]}" chmod 755 "$policy"
    fi
    local ok=1
    "${sudo[@]}" apt-get update -qq || ok=0
    if [[ $ok == 1 ]]; then
        "${sudo[@]}" apt-get install -y -qq --no-install-recommends postgresql >/dev/null || ok=0
    fi
    [[ -z "$ours" ]] || "${sudo[@]}" rm -f "$policy"
    [[ $ok == 1 ]] || die "apt-get could not install postgresql (see its output above). The PostgreSQL tests FAIL; they do not skip"
    say "installed postgresql in $((SECONDS - started)) s"
}

# Runs a PostgreSQL program as the account the server runs under: the
# postgres account when we are root, else ourselves. From DIR, which that
# account can enter (pg_ctl wants a readable working directory). Without
# fd 3, our stdout: the server pg_ctl leaves running must not hold it open,
# or `url=$(scripts/postgres.sh start DIR)` would never return.
as_pg() {
    if [[ "$(id -u)" == 0 ]]; then
        (cd "$DIR" && runuser -u postgres -- "$@") 3>&-
    else
        (cd "$DIR" && "$@") 3>&-
    fi
}

ensure_postgres_account() {
    [[ "$(id -u)" == 0 ]] || return 0
    getent passwd postgres >/dev/null && return 0
    say "creating the system account postgres (PostgreSQL refuses to run as root)"
    useradd --system --user-group --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin postgres \
        || die "could not create the account postgres to run PostgreSQL as"
}

free_port() {
    python3 - <<'EOF' 2>/dev/null && return
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
    # No python3: try ports until one is not in use.
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    return 1
}

start() {
    if [[ -e "$DIR" ]]; then
        [[ -d "$DIR" ]] || die "$DIR exists and is not a directory"
        if [[ -e "$DIR/$MARKER" || -e "$DIR/data" ]]; then
            die "$DIR already holds a cluster (scripts/postgres.sh stop $DIR first)"
        fi
        [[ -z "$(ls -A "$DIR")" ]] || die "$DIR is not empty; give a new or empty directory"
    fi
    # The unix socket's path (DIR/.s.PGSQL.PORT) must fit in sun_path.
    (( ${#DIR} + 18 <= 107 )) || die "$DIR is too long a path for a unix socket (at most 89 characters)"
    case "${PG_FSYNC:-on}" in
        on | off) ;;
        *) die "PG_FSYNC must be on or off, not '${PG_FSYNC}'" ;;
    esac

    local bindir
    if ! bindir=$(find_bindir); then
        install_postgresql
        bindir=$(find_bindir) || die "postgresql is installed but no initdb and pg_ctl are found"
    fi
    say "using $bindir ($("$bindir/pg_ctl" --version))"
    ensure_postgres_account

    mkdir -p "$DIR"
    touch "$DIR/$MARKER"
    if [[ "$(id -u)" == 0 ]]; then
        chown postgres: "$DIR"
        chmod 700 "$DIR"
        runuser -u postgres -- test -w "$DIR" -a -x "$DIR" \
            || die "the account postgres cannot reach $DIR (a parent directory is closed to it); use a directory under /tmp"
    fi

    say "initdb in $DIR/data"
    if ! as_pg "$bindir/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C \
        >"$DIR/initdb.log" 2>&1; then
        cat "$DIR/initdb.log" >&2
        die "initdb failed (above)"
    fi
    cat >>"$DIR/data/postgresql.conf" <<EOF

# scripts/postgres.sh: a throwaway cluster for tests
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
max_connections = 200
fsync = ${PG_FSYNC:-on}
EOF

    # The port is free when picked but may be taken before the server
    # binds it: a few tries.
    local port="" try
    for try in 1 2 3 4 5; do
        port=$(free_port) || die "found no free port on 127.0.0.1"
        say "starting on 127.0.0.1:$port (fsync ${PG_FSYNC:-on}), log in $DIR/log"
        if as_pg "$bindir/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -t 60 -o "-p $port" start >/dev/null; then
            break
        fi
        if [[ $try -lt 5 ]] && grep -q "could not bind\|Address already in use" "$DIR/log" 2>/dev/null; then
            say "port $port was taken meanwhile; another"
            port=""
            continue
        fi
        tail -n 20 "$DIR/log" >&2 || true
        die "pg_ctl start failed (the log's end above; all of it in $DIR/log)"
    done
    [[ -n "$port" ]] || die "could not start on a free port"
    echo "$port" >"$DIR/port"
    echo "postgres://postgres@127.0.0.1:$port/postgres" >&3
}

stop() {
    [[ -d "$DIR" ]] || die "no cluster directory $DIR"
    # Never remove a directory this script did not make.
    [[ -e "$DIR/$MARKER" || -z "$(ls -A "$DIR")" ]] \
        || die "$DIR was not made by scripts/postgres.sh start; not removing it"
    if [[ -f "$DIR/data/postmaster.pid" ]]; then
        local bindir
        bindir=$(find_bindir) || die "no pg_ctl to stop the cluster in $DIR"
        say "stopping the cluster in $DIR (fast)"
        if ! as_pg "$bindir/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop >/dev/null; then
            say "fast shutdown failed; immediate"
            as_pg "$bindir/pg_ctl" -D "$DIR/data" -m immediate -w -t 30 stop >/dev/null || true
        fi
        local pid
        pid=$(head -n 1 "$DIR/data/postmaster.pid" 2>/dev/null || true)
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            say "the postmaster $pid is still running; SIGKILL"
            kill -KILL "$pid" || true
        fi
    fi
    rm -rf -- "$DIR"
    say "removed $DIR"
}

pause() {
    [[ -e "$DIR/$MARKER" && -f "$DIR/data/postmaster.pid" ]] || die "no running cluster in $DIR"
    local bindir
    bindir=$(find_bindir) || die "no pg_ctl in $DIR"
    say "pausing the cluster in $DIR (fast stop; data kept)"
    as_pg "$bindir/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop >/dev/null || die "pg_ctl stop failed"
}

resume() {
    [[ -e "$DIR/$MARKER" && -f "$DIR/port" ]] || die "no paused cluster in $DIR"
    [[ ! -f "$DIR/data/postmaster.pid" ]] || die "the cluster in $DIR is running"
    local bindir port
    bindir=$(find_bindir) || die "no pg_ctl in $DIR"
    port=$(cat "$DIR/port")
    say "resuming the cluster in $DIR on 127.0.0.1:$port"
    as_pg "$bindir/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -t 60 -o "-p $port" start >/dev/null \
        || die "pg_ctl start failed (see $DIR/log)"
}

case "$action" in
    start) start ;;
    stop) stop ;;
    pause) pause ;;
    resume) resume ;;
    *) usage ;;
esac
