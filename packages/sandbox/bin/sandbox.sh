#!/usr/bin/env bash
# The Readybook sandbox: a throwaway PostgreSQL cluster and a demo service deployed as real local releases,
# behind HAProxy (two servers: stable and canary) and watched by Prometheus.
#
#   sandbox.sh up [DIR]       start (or keep) a sandbox in DIR (default ./.sandbox); writes DIR/env
#   sandbox.sh down [DIR]     stop the services, HAProxy, Prometheus and PostgreSQL, remove DIR
#   sandbox.sh status [DIR]   say what is running
#   sandbox.sh env [DIR]      print DIR/env as export lines:  eval "$(sandbox.sh env)"
#   sandbox.sh <script> ...   run one of the release scripts against ./.sandbox (or $SANDBOX_DIR):
#                             build-release, migrate, switch, start, stop, restart, health, smoke,
#                             backup, verify-backup, prune-backups, lb, load, analysis, canary
#
# SANDBOX_PG_BINDIR=DIR picks the PostgreSQL bin directory (default: found on PATH, by pg_config, or in
# /usr/lib/postgresql/*/bin). When run as root, PostgreSQL runs as the postgres user.
# HAProxy and Prometheus (Debian: apt-get install haproxy prometheus) start when installed; without them the
# sandbox has PostgreSQL and the service only (with CI=true, or SANDBOX_LB=required, a missing one is an error;
# SANDBOX_LB=off leaves them out on purpose, e.g. for a benchmark of PostgreSQL alone).
# Alertmanager, the Pushgateway and a webhook receiver (apt-get install prometheus-alertmanager
# prometheus-pushgateway) start with Prometheus when installed, under the same rule; Prometheus then loads the
# alert rules in monitoring/rules/ and sends its alerts to that Alertmanager.
# Exit codes: 0 done, 2 usage, 3 a prerequisite is missing, 1 anything else that failed.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# The alert rules Prometheus loads: the repository's monitoring/rules, or SANDBOX_MONITORING_RULES (a folder).
MONITORING_RULES="${SANDBOX_MONITORING_RULES:-$(cd "$SANDBOX_PKG/../.." && pwd)/monitoring/rules}"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }

# Where initdb and pg_ctl live: $SANDBOX_PG_BINDIR if set, else PATH, then pg_config --bindir, then the
# newest /usr/lib/postgresql/*/bin.
find_pg_bindir() {
  local dir
  if [[ -n "${SANDBOX_PG_BINDIR:-}" ]]; then
    [[ -x "$SANDBOX_PG_BINDIR/initdb" && -x "$SANDBOX_PG_BINDIR/pg_ctl" ]] ||
      die 3 "SANDBOX_PG_BINDIR=$SANDBOX_PG_BINDIR has no initdb and pg_ctl; point it at the bin directory of a PostgreSQL server installation (e.g. /usr/lib/postgresql/15/bin) or unset it."
    echo "$SANDBOX_PG_BINDIR"; return
  fi
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dir="$(dirname "$(readlink -f "$(command -v initdb)")")"
    [[ -x "$dir/pg_ctl" ]] && { echo "$dir"; return; }
  fi
  if command -v pg_config >/dev/null; then
    dir="$(pg_config --bindir 2>/dev/null || true)"
    [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && { echo "$dir"; return; }
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && { echo "$dir"; return; }
  done
  die 3 "PostgreSQL server tools (initdb, pg_ctl) were not found on PATH, through pg_config --bindir or in /usr/lib/postgresql/*/bin; install PostgreSQL (Debian: apt-get install postgresql) and run this again."
}

# Runs a PostgreSQL server program as the postgres user when we are root (initdb refuses root).
as_pg() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# free_ports N: N distinct free loopback ports, one a line (all held open together while they are picked).
free_ports() {
  "$(find_service_node)" -e '
    const net = require("net");
    const servers = Array.from({ length: Number(process.argv[1]) }, () => net.createServer());
    Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", ok)))).then(() => {
      console.log(servers.map((s) => s.address().port).join("\n"));
      servers.forEach((s) => s.close());
    });' "$1"
}

pg_running() { as_pg "$SANDBOX_PGBIN/pg_ctl" -D "$SANDBOX_PGDATA" status >/dev/null 2>&1; }

start_postgres() {
  as_pg "$SANDBOX_PGBIN/pg_ctl" -D "$SANDBOX_PGDATA" -l "$SANDBOX_PGROOT/server.log" -w -t 60 \
    -o "-p $PGPORT -k $SANDBOX_PGROOT -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null ||
    die 1 "PostgreSQL did not start; see $SANDBOX_PGROOT/server.log"
}

write_env() {
  {
    echo "# Readybook sandbox, written by sandbox.sh up on $(date -u +%Y-%m-%dT%H:%M:%SZ). Source it: . DIR/env"
    local name
    for name in PGHOST PGPORT PGUSER PGDATABASE SANDBOX_DIR SERVICE_PORT SANDBOX_PGBIN SANDBOX_PGROOT SANDBOX_PGDATA SANDBOX_NODE \
      CANARY_PORT PROXY_PORT LB_STATS_PORT LB_SOCKET PROM_PORT SANDBOX_HAPROXY SANDBOX_PROMETHEUS \
      ALERTMANAGER_PORT PUSHGATEWAY_PORT WEBHOOK_PORT SANDBOX_ALERTMANAGER SANDBOX_PUSHGATEWAY; do
      [[ -n "${!name+set}" ]] || continue
      printf 'export %s=%q\n' "$name" "${!name}"
    done
    echo "export PGOPTIONS='-c client_min_messages=warning'  # quiet the NOTICEs of IF EXISTS / IF NOT EXISTS"
  } >"$SANDBOX_DIR/env"
}

cmd_up() {
  SANDBOX_DIR="$(resolve_sandbox_dir "${1:-}")"
  if [[ -f "$SANDBOX_DIR/env" ]]; then
    load_sandbox "$SANDBOX_DIR"
    if pg_running; then
      log "already up in $SANDBOX_DIR (PostgreSQL on 127.0.0.1:$PGPORT)"
    else
      log "restarting PostgreSQL of the existing sandbox in $SANDBOX_DIR"
      start_postgres
    fi
    if [[ -z "${ALERTMANAGER_PORT:-}" ]]; then # a sandbox made before alerting came: give it its ports
      { read -r ALERTMANAGER_PORT; read -r PUSHGATEWAY_PORT; read -r WEBHOOK_PORT; } < <(free_ports 3)
      find_alerting_tools
      write_env
    fi
    start_observability
    return
  fi
  SANDBOX_PGBIN="$(find_pg_bindir)"
  for tool in pg_dump pg_restore psql createdb; do
    [[ -x "$SANDBOX_PGBIN/$tool" ]] || die 3 "$tool is missing from $SANDBOX_PGBIN; install the PostgreSQL client tools."
  done
  SANDBOX_NODE="$(find_service_node)"
  mkdir -p "$SANDBOX_DIR"/{releases,backups}

  # The cluster lives in DIR/pg, unless we are root and the postgres user cannot reach DIR (e.g. under /root).
  SANDBOX_PGROOT="$SANDBOX_DIR/pg"
  if [[ "$(id -u)" == 0 ]]; then
    mkdir -p "$SANDBOX_PGROOT" && chown postgres "$SANDBOX_PGROOT"
    if ! runuser -u postgres -- test -w "$SANDBOX_PGROOT"; then
      rmdir "$SANDBOX_PGROOT"
      SANDBOX_PGROOT="$(mktemp -d /tmp/readybook-sandbox-pg.XXXXXX)"
      chown postgres "$SANDBOX_PGROOT"
      log "the postgres user cannot reach $SANDBOX_DIR; the cluster lives in $SANDBOX_PGROOT"
    fi
  else
    mkdir -p "$SANDBOX_PGROOT"
  fi
  SANDBOX_PGDATA="$SANDBOX_PGROOT/data"
  PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=app
  { read -r PGPORT; read -r SERVICE_PORT; read -r CANARY_PORT; read -r PROXY_PORT; read -r LB_STATS_PORT; read -r PROM_PORT
    read -r ALERTMANAGER_PORT; read -r PUSHGATEWAY_PORT; read -r WEBHOOK_PORT; } < <(free_ports 9)
  find_lb_tools
  find_alerting_tools
  # A Unix socket path has at most 107 bytes; a deep sandbox directory gets its socket under /tmp.
  LB_SOCKET="$SANDBOX_DIR/lb/admin.sock"
  if (( ${#LB_SOCKET} > 100 )); then LB_SOCKET="$(mktemp -d /tmp/readybook-lb.XXXXXX)/admin.sock"; fi

  as_pg "$SANDBOX_PGBIN/initdb" -D "$SANDBOX_PGDATA" -U postgres --auth=trust -E UTF8 --no-sync >"$SANDBOX_PGROOT/initdb.log" 2>&1 ||
    die 1 "initdb failed; see $SANDBOX_PGROOT/initdb.log"
  write_env
  start_postgres
  "$SANDBOX_PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres app
  start_observability
  log "up: PostgreSQL on 127.0.0.1:$PGPORT (database app), service port $SERVICE_PORT; env in $SANDBOX_DIR/env"
}

# HAProxy and Prometheus binaries: SANDBOX_HAPROXY / SANDBOX_PROMETHEUS, else PATH; empty when missing.
find_lb_tools() {
  if [[ "${SANDBOX_LB:-}" == off ]]; then SANDBOX_HAPROXY="" SANDBOX_PROMETHEUS=""; return; fi
  SANDBOX_HAPROXY="${SANDBOX_HAPROXY:-$(command -v haproxy || { [[ -x /usr/sbin/haproxy ]] && echo /usr/sbin/haproxy; } || true)}"
  SANDBOX_PROMETHEUS="${SANDBOX_PROMETHEUS:-$(command -v prometheus || true)}"
  if [[ -z "$SANDBOX_HAPROXY" || -z "$SANDBOX_PROMETHEUS" ]]; then
    local missing
    missing="$([[ -n "$SANDBOX_HAPROXY" ]] || echo -n 'haproxy ')$([[ -n "$SANDBOX_PROMETHEUS" ]] || echo -n prometheus)"
    if [[ "${CI:-}" == true || "${SANDBOX_LB:-}" == required ]]; then
      die 3 "$missing not installed; the load-test, zero-downtime-deploy and canary-deploy runbooks need them (Debian: apt-get install haproxy prometheus)"
    fi
    log "$missing not installed: this sandbox has no load balancer or Prometheus, so load-test, zero-downtime-deploy and canary-deploy cannot run here (Debian: apt-get install haproxy prometheus)"
    SANDBOX_HAPROXY="" SANDBOX_PROMETHEUS=""
  fi
}

# Alertmanager and Pushgateway binaries: SANDBOX_ALERTMANAGER / SANDBOX_PUSHGATEWAY, else PATH (Debian names them
# prometheus-alertmanager and prometheus-pushgateway); both empty when one is missing.
find_alerting_tools() {
  if [[ "${SANDBOX_LB:-}" == off ]]; then SANDBOX_ALERTMANAGER="" SANDBOX_PUSHGATEWAY=""; return; fi
  SANDBOX_ALERTMANAGER="${SANDBOX_ALERTMANAGER:-$(command -v prometheus-alertmanager || command -v alertmanager || true)}"
  SANDBOX_PUSHGATEWAY="${SANDBOX_PUSHGATEWAY:-$(command -v prometheus-pushgateway || command -v pushgateway || true)}"
  if [[ -z "$SANDBOX_ALERTMANAGER" || -z "$SANDBOX_PUSHGATEWAY" || -z "${SANDBOX_PROMETHEUS:-}" ]]; then
    local missing
    missing="$([[ -n "$SANDBOX_ALERTMANAGER" ]] || echo -n 'prometheus-alertmanager ')$([[ -n "$SANDBOX_PUSHGATEWAY" ]] || echo -n 'prometheus-pushgateway ')$([[ -n "${SANDBOX_PROMETHEUS:-}" ]] || echo -n prometheus)"
    if [[ "${CI:-}" == true || "${SANDBOX_LB:-}" == required ]]; then
      die 3 "$missing not installed; the incident drill needs them (Debian: apt-get install prometheus prometheus-alertmanager prometheus-pushgateway)"
    fi
    log "$missing not installed: this sandbox has no alerting, so the incident drill cannot run here (Debian: apt-get install prometheus-alertmanager prometheus-pushgateway)"
    SANDBOX_ALERTMANAGER="" SANDBOX_PUSHGATEWAY=""
  fi
}

# wait_for NAME PID SECONDS CHECK...: until CHECK succeeds; fails if PID exits or SECONDS pass.
wait_for() {
  local name="$1" pid="$2" seconds="$3"; shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    pid_alive "$pid" || die 1 "$name exited while starting; last lines of $SANDBOX_DIR/$name.log:
$(tail -n 5 "$SANDBOX_DIR/$name.log" 2>/dev/null)"
    (( SECONDS < deadline )) || die 1 "$name did not become ready within ${seconds}s; see $SANDBOX_DIR/$name.log"
    sleep 0.2
  done
}

# Starts HAProxy (in front of the stable and canary slots) and Prometheus (scraping both slots and HAProxy
# every second), each a plain background process with a pid file, health-checked before we go on.
start_observability() {
  [[ -n "${SANDBOX_HAPROXY:-}" && -n "${SANDBOX_PROMETHEUS:-}" ]] || return 0
  load_sandbox "$SANDBOX_DIR" # exported, for lb.mjs
  mkdir -p "$SANDBOX_DIR/lb" "$SANDBOX_DIR/prometheus"
  local pid
  pid="$(slot_pid haproxy)"
  if ! pid_alive "$pid"; then
    rm -f "$LB_SOCKET"
    "$SANDBOX_NODE" "$SANDBOX_BIN/lb.mjs" write-config >/dev/null
    setsid "$SANDBOX_HAPROXY" -db -f "$SANDBOX_DIR/lb/haproxy.cfg" </dev/null >>"$SANDBOX_DIR/haproxy.log" 2>&1 &
    echo $! >"$SANDBOX_DIR/haproxy.pid"
    wait_for haproxy $! 20 "$SANDBOX_NODE" "$SANDBOX_BIN/lb.mjs" show
    wait_for haproxy $! 20 http_ok "http://127.0.0.1:$LB_STATS_PORT/metrics"
  fi
  pid="$(slot_pid prometheus)"
  if ! pid_alive "$pid"; then
    cat >"$SANDBOX_DIR/prometheus/prometheus.yml" <<YAML
# Written by sandbox.sh up. Every second: the stable and canary slots of the demo service, and HAProxy.
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
scrape_configs:
  - job_name: service
    static_configs:
      - targets: ['127.0.0.1:$SERVICE_PORT']
        labels: { slot: stable }
      - targets: ['127.0.0.1:$CANARY_PORT']
        labels: { slot: canary }
  - job_name: haproxy
    static_configs:
      - targets: ['127.0.0.1:$LB_STATS_PORT']
YAML
    if [[ -n "${SANDBOX_ALERTMANAGER:-}" ]]; then
      # Refuse rule files that do not parse with promtool's own words, before Prometheus refuses to start.
      local promtool
      promtool="$(dirname "$SANDBOX_PROMETHEUS")/promtool"
      [[ -x "$promtool" ]] || promtool="$(command -v promtool || true)"
      if [[ -n "$promtool" ]] && compgen -G "$MONITORING_RULES/*.yml" >/dev/null; then
        local checked
        checked="$("$promtool" check rules "$MONITORING_RULES"/*.yml 2>&1)" ||
          die 1 "the alert rules in $MONITORING_RULES do not pass promtool check rules; fix them (readybook validate says where):
$(grep -v '^ *SUCCESS\|^Checking\|^$' <<<"$checked" | head -n 10)"
      fi
      cat >>"$SANDBOX_DIR/prometheus/prometheus.yml" <<YAML
  # Run results readybook pushes (READYBOOK_PUSHGATEWAY): keep their job and runbook labels.
  - job_name: pushgateway
    honor_labels: true
    static_configs:
      - targets: ['127.0.0.1:$PUSHGATEWAY_PORT']
# The repository's alert rules, evaluated every second; alerts go to the sandbox's Alertmanager.
rule_files:
  - '$MONITORING_RULES/*.yml'
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$ALERTMANAGER_PORT']
YAML
    fi
    setsid "$SANDBOX_PROMETHEUS" --config.file="$SANDBOX_DIR/prometheus/prometheus.yml" --rules.alert.resend-delay=1s \
      --storage.tsdb.path="$SANDBOX_DIR/prometheus/data" --storage.tsdb.retention.time=1d \
      --web.listen-address="127.0.0.1:$PROM_PORT" </dev/null >>"$SANDBOX_DIR/prometheus.log" 2>&1 &
    echo $! >"$SANDBOX_DIR/prometheus.pid"
    wait_for prometheus $! 60 http_ok "http://127.0.0.1:$PROM_PORT/-/ready"
  fi
  start_alerting
  log "HAProxy on 127.0.0.1:$PROXY_PORT (stats and /metrics on :$LB_STATS_PORT, runtime API $LB_SOCKET), Prometheus on 127.0.0.1:$PROM_PORT"
}

# Starts the webhook receiver, Alertmanager (routing every alert to it within a second) and the Pushgateway,
# each a plain background process with a pid file, health-checked before we go on.
start_alerting() {
  [[ -n "${SANDBOX_ALERTMANAGER:-}" && -n "${SANDBOX_PUSHGATEWAY:-}" ]] || return 0
  mkdir -p "$SANDBOX_DIR/alertmanager" "$SANDBOX_DIR/alerts"
  local pid
  pid="$(slot_pid webhook)"
  if ! pid_alive "$pid"; then
    setsid "$SANDBOX_NODE" "$SANDBOX_BIN/webhook.mjs" "$WEBHOOK_PORT" "$SANDBOX_DIR/alerts/notifications.jsonl" </dev/null >>"$SANDBOX_DIR/webhook.log" 2>&1 &
    echo $! >"$SANDBOX_DIR/webhook.pid"
    wait_for webhook $! 20 http_ok "http://127.0.0.1:$WEBHOOK_PORT/health"
  fi
  pid="$(slot_pid alertmanager)"
  if ! pid_alive "$pid"; then
    cat >"$SANDBOX_DIR/alertmanager/alertmanager.yml" <<YAML
# Written by sandbox.sh up. Every alert goes to the local webhook receiver (alerts/notifications.jsonl), grouped
# by alert name, sent a second after it arrives and again when it resolves.
route:
  receiver: webhook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: webhook
    webhook_configs:
      - url: 'http://127.0.0.1:$WEBHOOK_PORT/'
        send_resolved: true
YAML
    if command -v amtool >/dev/null; then
      amtool check-config "$SANDBOX_DIR/alertmanager/alertmanager.yml" >/dev/null || die 1 "amtool check-config refused $SANDBOX_DIR/alertmanager/alertmanager.yml"
    fi
    # --cluster.listen-address= turns off clustering (it would bind 0.0.0.0:9094).
    setsid "$SANDBOX_ALERTMANAGER" --config.file="$SANDBOX_DIR/alertmanager/alertmanager.yml" \
      --storage.path="$SANDBOX_DIR/alertmanager/data" --web.listen-address="127.0.0.1:$ALERTMANAGER_PORT" \
      --cluster.listen-address= </dev/null >>"$SANDBOX_DIR/alertmanager.log" 2>&1 &
    echo $! >"$SANDBOX_DIR/alertmanager.pid"
    wait_for alertmanager $! 30 http_ok "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready"
  fi
  pid="$(slot_pid pushgateway)"
  if ! pid_alive "$pid"; then
    setsid "$SANDBOX_PUSHGATEWAY" --web.listen-address="127.0.0.1:$PUSHGATEWAY_PORT" </dev/null >>"$SANDBOX_DIR/pushgateway.log" 2>&1 &
    echo $! >"$SANDBOX_DIR/pushgateway.pid"
    wait_for pushgateway $! 30 http_ok "http://127.0.0.1:$PUSHGATEWAY_PORT/-/ready"
  fi
  log "Alertmanager on 127.0.0.1:$ALERTMANAGER_PORT (notifications to the webhook on :$WEBHOOK_PORT, recorded in $SANDBOX_DIR/alerts/notifications.jsonl), Pushgateway on 127.0.0.1:$PUSHGATEWAY_PORT"
}

stop_observability() {
  local name pid
  for name in prometheus pushgateway alertmanager webhook haproxy; do
    pid="$(slot_pid "$name")"
    if pid_alive "$pid"; then stop_pid "$pid" "$name"; fi
    rm -f "$SANDBOX_DIR/$name.pid"
  done
  if [[ -n "${LB_SOCKET:-}" && "$LB_SOCKET" == /tmp/readybook-lb.*/admin.sock ]]; then rm -rf "$(dirname "$LB_SOCKET")"; fi
}

cmd_down() {
  SANDBOX_DIR="$(resolve_sandbox_dir "${1:-}")"
  if [[ ! -e "$SANDBOX_DIR" ]]; then log "no sandbox at $SANDBOX_DIR; nothing to do"; return; fi
  if [[ ! -f "$SANDBOX_DIR/env" ]]; then
    [[ -z "$(ls -A "$SANDBOX_DIR")" ]] || die 1 "$SANDBOX_DIR has no env file, so it does not look like a sandbox; not removing it"
    rmdir "$SANDBOX_DIR"; return
  fi
  load_sandbox "$SANDBOX_DIR"
  "$SANDBOX_BIN/stop.sh" || true
  "$SANDBOX_BIN/stop.sh" --canary || true
  stop_observability
  if pg_running; then as_pg "$SANDBOX_PGBIN/pg_ctl" -D "$SANDBOX_PGDATA" -m fast -w stop >/dev/null; fi
  [[ "$SANDBOX_PGROOT" == "$SANDBOX_DIR"/* ]] || rm -rf "$SANDBOX_PGROOT"
  rm -rf "$SANDBOX_DIR"
  log "down: removed $SANDBOX_DIR"
}

cmd_status() {
  SANDBOX_DIR="$(resolve_sandbox_dir "${1:-}")"
  if [[ ! -f "$SANDBOX_DIR/env" ]]; then echo "sandbox: down (no $SANDBOX_DIR/env)"; exit 1; fi
  load_sandbox "$SANDBOX_DIR"
  local pg=stopped svc=stopped pid
  pg_running && pg="running on 127.0.0.1:$PGPORT"
  pid="$(service_pid)"
  pid_alive "$pid" && svc="running (pid $pid) on 127.0.0.1:$SERVICE_PORT"
  echo "sandbox:   $SANDBOX_DIR"
  echo "postgres:  $pg"
  echo "service:   $svc"
  local name
  for name in canary haproxy prometheus alertmanager pushgateway webhook; do
    pid="$(slot_pid "$name")"
    if pid_alive "$pid"; then printf '%-14s running (pid %s)\n' "$name:" "$pid"; else printf '%-14s stopped\n' "$name:"; fi
  done
  echo "current:   $(current_version)"
  echo "previous:  $(previous_version)"
  echo "releases:  $(ls "$SANDBOX_DIR/releases" | tr '\n' ' ')"
  echo "backups:   $(find "$SANDBOX_DIR/backups" -name '*.dump' | wc -l)"
}

cmd_env() {
  SANDBOX_DIR="$(resolve_sandbox_dir "${1:-}")"
  [[ -f "$SANDBOX_DIR/env" ]] || die 1 "no sandbox at $SANDBOX_DIR"
  grep '^export ' "$SANDBOX_DIR/env"
}

[[ $# -ge 1 ]] || usage
command="$1"; shift
case "$command" in
  up | down | status | env) "cmd_$command" "$@" ;;
  build-release | migrate | switch | start | stop | restart | prune-backups | verify-backup)
    exec "$SANDBOX_BIN/$command.sh" "$@" ;;
  health | smoke | backup | lb | load | analysis | canary)
    load_sandbox
    exec "$(find_service_node)" "$SANDBOX_BIN/$command.mjs" "$@" ;;
  -h | --help | help) usage 0 ;;
  *) echo "sandbox: unknown command '$command'" >&2; usage ;;
esac
