#!/usr/bin/env bash
# The bounded fault soak (loopback only; stops by itself): two microwish
# server processes on one fresh PostgreSQL database under the workflow mix
# (submit → approve → claim → fulfil → confirm) while one of them is killed
# with SIGKILL and restarted every few seconds; then an audit of the database
# and of a webhook receiver. Exits non-zero if anything was lost.
#
#   scripts/soak.sh [SECONDS] [KILL_EVERY] [CLIENTS]      (defaults 180 5 16)
#
# MICROWISH_TEST_POSTGRES names the PostgreSQL server (default: local, trust
# auth); the soak creates a database of its own there and drops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-180}
kill_every=${2:-5}
clients=${3:-16}
pg=${MICROWISH_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
cargo run -q --release -p bench -- --soak --database-url "$pg" \
  --soak-seconds "$seconds" --kill-every "$kill_every" --clients "$clients" --think-ms "${SOAK_THINK_MS:-100}"
