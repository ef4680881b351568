#!/usr/bin/env bash
# Runs the whole suite. Starts a throwaway PostgreSQL when the server binaries exist
# (and DATABASE_URL is not already set); under CI=true a missing PostgreSQL or
# Chromium is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
ci=${CI:-false}
# Unset, DEBUG means production settings; tests run the development ones (and set
# DEBUG=false themselves where they check production's).
export DEBUG=true

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV | head -n 1 || true)
if [ -z "$pg_bin" ] && command -v initdb >/dev/null 2>&1; then
  pg_bin=$(dirname "$(readlink -f "$(command -v initdb)")")
fi

if [ -z "${DATABASE_URL:-}" ]; then
  if [ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ]; then
    pgdata=$(mktemp -d)
    port=${PGPORT_TEST:-$((55000 + RANDOM % 1000))}
    as_pg=()
    if [ "$(id -u)" = 0 ]; then
      chown postgres:postgres "$pgdata"
      as_pg=(runuser -u postgres --)
    fi
    (cd /tmp && "${as_pg[@]}" "$pg_bin/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null)
    stop_pg() { (cd /tmp && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pgdata" -m fast stop >/dev/null 2>&1 || true); rm -rf "$pgdata"; }
    trap stop_pg EXIT
    # Another server may hold the port picked at random: try a few others before giving up.
    for attempt in 1 2 3 4 5; do
      if (cd /tmp && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pgdata" -l "$pgdata/log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $pgdata -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null); then
        break
      fi
      if [ "$attempt" = 5 ] || [ -n "${PGPORT_TEST:-}" ]; then
        cat "$pgdata/log" >&2
        exit 1
      fi
      port=$((55000 + RANDOM % 1000))
    done
    "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres app
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/app"
    echo "Testing on a throwaway PostgreSQL at 127.0.0.1:$port"
  elif [ "$ci" = true ]; then
    echo "CI: PostgreSQL server binaries not found (initdb); refusing to fall back to SQLite." >&2
    exit 1
  else
    echo "PostgreSQL not found: testing on SQLite only." >&2
  fi
fi

if [ -z "${CHROMIUM:-}" ]; then
  CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
fi
if [ -z "$CHROMIUM" ] && [ "$ci" = true ]; then
  echo "CI: Chromium not found (apt-get install -y chromium); browser tests cannot be skipped." >&2
  exit 1
fi
export CHROMIUM
# Not exec: the EXIT trap must run to stop the throwaway PostgreSQL.
.venv/bin/pytest -n "${TEST_WORKERS:-2}" "$@"
