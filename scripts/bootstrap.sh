#!/usr/bin/env bash
# Installs what Readybook's repo needs on a fresh machine, then the workspace:
#   pnpm 10.34.9 (via npm), PostgreSQL server + client tools, PgBouncer, HAProxy, Prometheus and Chromium (Debian
#   packages, when missing and we are root), `pnpm install --frozen-lockfile` (which also fetches the pinned
#   Node 24 used by the docs toolchain) and `pnpm build`.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.9
say() { printf '\033[1m▸ %s\033[0m\n' "$*"; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "Readybook needs Node.js 20.19 or newer on PATH (found: $(node -v 2>/dev/null || echo none))." >&2
  exit 2
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  say "installing pnpm $PNPM_VERSION with npm"
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
fi

missing=()
if ! command -v pg_ctl >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then missing+=(postgresql); fi
if ! command -v pg_dump >/dev/null 2>&1; then missing+=(postgresql-client); fi
# The sandbox's load balancer and metrics (load-test, zero-downtime-deploy and canary-deploy need them).
if ! command -v haproxy >/dev/null 2>&1; then missing+=(haproxy); fi
if ! command -v prometheus >/dev/null 2>&1; then missing+=(prometheus); fi
# Alerting for the incident drill, and promtool for the alert rules' checks and unit tests (it comes with prometheus).
if ! command -v prometheus-alertmanager >/dev/null 2>&1 || ! command -v amtool >/dev/null 2>&1; then missing+=(prometheus-alertmanager); fi
if ! command -v prometheus-pushgateway >/dev/null 2>&1; then missing+=(prometheus-pushgateway); fi
# A transaction-pooling proxy in front of the shared store: the tests show the engine refuses it (ADR 0024).
if [ ! -x /usr/sbin/pgbouncer ] && ! command -v pgbouncer >/dev/null 2>&1; then missing+=(pgbouncer); fi
if [ "${READYBOOK_SKIP_BROWSER:-}" = "" ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Missing system packages: ${missing[*]}." >&2
    echo "Install them (e.g. sudo apt-get install ${missing[*]}) and run this again." >&2
    exit 2
  fi
fi

say "pnpm install"
pnpm install --frozen-lockfile --reporter=append-only | tail -n 3
say "pnpm build"
pnpm --silent build --output-logs=errors-only
