#!/usr/bin/env bash
# End-to-end tests of the staff console (社区工作台) in a real Chromium.
#
#   bash tests/e2e/run.sh PATH/TO/microwish
#
# Seeds a demo city into a fresh SQLite database in a temp dir, starts the
# server on a free port, runs tests/e2e/console.test.mjs against it with
# Node's test runner, and always stops the server on exit.
#
# Environment:
#   E2E_SCREENSHOTS  where screenshots go (default: target/e2e in this repository)
#   E2E_CONSOLE_DIR  serve the console files from this directory instead of the
#                    copies compiled into the binary (debug builds only)
#   E2E_CHROMIUM     the browser to drive (default: /usr/bin/chromium)
set -euo pipefail

BIN=${1:?usage: run.sh PATH/TO/microwish}
BIN=$(realpath "$BIN")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
export E2E_SCREENSHOTS=${E2E_SCREENSHOTS:-$REPO/target/e2e}
export E2E_CHROMIUM=${E2E_CHROMIUM:-/usr/bin/chromium}

# The browser comes from Debian (playwright-core downloads none), and a CJK
# font makes the Chinese text legible in the screenshots.
if [[ ! -x "$E2E_CHROMIUM" ]]; then
  echo "e2e: installing chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if command -v fc-list >/dev/null && [[ -z "$(fc-list :lang=zh family)" ]]; then
  echo "e2e: installing a CJK font for the screenshots"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null \
    || echo "e2e: warning: no CJK font; screenshots will show boxes for Chinese text"
fi

if [[ ! -d "$HERE/node_modules/playwright-core" ]]; then
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export MICROWISH_DATABASE_URL="sqlite://$WORK/demo.db?mode=rwc"
export MICROWISH_BIND=127.0.0.1:0
if [[ -n "${E2E_CONSOLE_DIR:-}" ]]; then
  MICROWISH_CONSOLE_DIR=$(realpath "$E2E_CONSOLE_DIR")
  export MICROWISH_CONSOLE_DIR
else
  unset MICROWISH_CONSOLE_DIR
fi

"$BIN" seed-demo >"$WORK/seed.log" 2>&1 || { cat "$WORK/seed.log" >&2; exit 1; }
"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

# Wait for "listening on http://ADDR" (port 0 resolved) for up to 30 seconds.
BASE=
for _ in $(seq 1 300); do
  BASE=$(grep -o 'listening on http://[^[:space:]]*' "$WORK/server.log" | head -n 1 | sed 's/^listening on //' || true)
  [[ -n "$BASE" ]] && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "e2e: the server exited before listening:" >&2
    cat "$WORK/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$BASE" ]]; then
  echo "e2e: the server did not report its address within 30 s:" >&2
  cat "$WORK/server.log" >&2
  exit 1
fi
echo "e2e: server at $BASE${MICROWISH_CONSOLE_DIR:+ (console files from $MICROWISH_CONSOLE_DIR)}"

status=0
E2E_BASE_URL=$BASE node --test --test-concurrency=1 --test-reporter=spec "$HERE/console.test.mjs" || status=$?
if [[ $status -ne 0 ]]; then
  echo "e2e: FAILED; last server log lines:" >&2
  tail -n 40 "$WORK/server.log" >&2
else
  echo "e2e: screenshots in $E2E_SCREENSHOTS"
fi
exit "$status"
