#!/usr/bin/env bash
# Makes sure every service Siphon's tests and benchmarks need is installed, configured and running.
# Idempotent: safe to run any number of times. Usage:
#   scripts/services.sh              check, install, configure, start, create test databases
#   scripts/services.sh --if-missing the same, but returns at once when everything is already fine
# With CI=true a service that cannot be made ready fails the run (exit 1).
set -uo pipefail

PG_DB=${SIPHON_TEST_PG_DB:-siphon_test}
MY_DB=${SIPHON_TEST_MY_DB:-siphon_test}
REPL_USER=siphon_repl
REPL_PASS=siphon_repl
log() { printf '[services] %s\n' "$*" >&2; }
fail() { log "ERROR: $*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
apt_updated=0
apt_install() {
  have apt-get || fail "apt-get not found: install $* by hand"
  if [ $apt_updated = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true; apt_updated=1; fi
  log "installing $* with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 || fail "apt-get install $* failed"
}
psql_su() { psql -h 127.0.0.1 -U postgres -d postgres -tAq "$@" 2>/dev/null || su postgres -c "psql -tAq $(printf '%q ' "$@")" 2>/dev/null; }
my() { mariadb -uroot -N -s "$@" 2>/dev/null || mysql -uroot -N -s "$@" 2>/dev/null; }

# ---------- quick check ----------
quick_ok() {
  [ "$(psql_su -c 'show wal_level')" = logical ] || return 1
  [ "$(psql_su -c 'show max_connections')" -ge 300 ] 2>/dev/null || return 1
  [ "$(psql_su -c "select count(*) from pg_database where datname='$PG_DB'")" = 1 ] || return 1
  [ "$(my -e 'select @@log_bin, @@binlog_format, @@binlog_row_image')" = "$(printf '1\tROW\tFULL')" ] || return 1
  [ "$(my -e "select count(*) from information_schema.schemata where schema_name='$MY_DB'")" = 1 ] || return 1
  (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null || return 1
  have chromium || [ -x /usr/bin/chromium ] || return 1
  return 0
}
if [ "${1:-}" = "--if-missing" ] && quick_ok; then exit 0; fi

# ---------- PostgreSQL ----------
ensure_postgres() {
  have psql || apt_install postgresql postgresql-client
  local ver; ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  [ -n "$ver" ] || fail "no PostgreSQL cluster found in /etc/postgresql"
  if ! psql_su -c 'select 1' >/dev/null; then
    log "starting PostgreSQL $ver"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start || fail "cannot start PostgreSQL"
  fi
  # test files run in parallel, each with its pools, LISTEN connections and append threads: 100 clients ran out
  if [ "$(psql_su -c 'show wal_level')" != logical ] || [ "$(psql_su -c 'show max_connections')" -lt 300 ]; then
    log "setting wal_level=logical, max_connections=300 and restarting PostgreSQL $ver"
    psql_su -c "alter system set wal_level = logical" >/dev/null
    psql_su -c "alter system set max_replication_slots = 20" >/dev/null
    psql_su -c "alter system set max_wal_senders = 20" >/dev/null
    psql_su -c "alter system set max_connections = 300" >/dev/null
    pg_ctlcluster --skip-systemctl-redirect "$ver" main restart || fail "cannot restart PostgreSQL"
    for _ in $(seq 1 60); do psql_su -c 'select 1' >/dev/null && break; sleep 0.5; done
    [ "$(psql_su -c 'show wal_level')" = logical ] || fail "PostgreSQL wal_level is not logical after restart"
  fi
  psql_su -c "do \$\$ begin if not exists (select from pg_roles where rolname='$REPL_USER') then create role $REPL_USER login replication superuser password '$REPL_PASS'; end if; end \$\$" >/dev/null
  for db in "$PG_DB" siphon_bench; do
    [ "$(psql_su -c "select count(*) from pg_database where datname='$db'")" = 1 ] || psql_su -c "create database $db" >/dev/null || fail "cannot create database $db"
  done
  log "PostgreSQL $ver ready (wal_level=logical, role $REPL_USER, database $PG_DB)"
}

# ---------- MariaDB ----------
mariadb_start() {
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 120); do my -e 'select 1' >/dev/null && return 0; sleep 0.5; done
  return 1
}
ensure_mariadb() {
  have mariadbd || [ -x /usr/sbin/mariadbd ] || apt_install mariadb-server mariadb-client
  my -e 'select 1' >/dev/null || { log "starting MariaDB"; mariadb_start || fail "cannot start MariaDB"; }
  if [ "$(my -e 'select @@log_bin, @@binlog_format, @@binlog_row_image')" != "$(printf '1\tROW\tFULL')" ]; then
    local conf
    if [ -d /etc/mysql/mariadb.conf.d ]; then conf=/etc/mysql/mariadb.conf.d/99-siphon.cnf; else conf=/etc/my.cnf; fi
    if ! grep -q 'siphon: binary log' "$conf" 2>/dev/null; then
      log "enabling the binary log (ROW, FULL) in $conf"
      cat >>"$conf" <<'CNF'
# siphon: binary log for change capture (added by scripts/services.sh)
[mysqld]
server-id = 1
log_bin = mysql-bin
binlog_format = ROW
binlog_row_image = FULL
expire_logs_days = 2
max_connections = 500
CNF
    fi
    log "restarting MariaDB"
    mariadb-admin -uroot shutdown 2>/dev/null || mysqladmin -uroot shutdown 2>/dev/null
    for _ in $(seq 1 60); do pgrep -x mariadbd >/dev/null || break; sleep 0.5; done
    mariadb_start || fail "cannot restart MariaDB"
    [ "$(my -e 'select @@log_bin, @@binlog_format, @@binlog_row_image')" = "$(printf '1\tROW\tFULL')" ] || fail "MariaDB binary log is not ROW/FULL after restart"
  fi
  my -e "create user if not exists '$REPL_USER'@'%' identified by '$REPL_PASS'; create user if not exists '$REPL_USER'@'localhost' identified by '$REPL_PASS'; grant all privileges on *.* to '$REPL_USER'@'%'; grant all privileges on *.* to '$REPL_USER'@'localhost'; create database if not exists $MY_DB; create database if not exists siphon_bench;" \
    || fail "cannot create MariaDB user or databases"
  log "MariaDB ready (binlog ROW/FULL, user $REPL_USER, database $MY_DB)"
}

# ---------- NATS with JetStream ----------
ensure_nats() {
  have nats-server || [ -x /usr/sbin/nats-server ] || apt_install nats-server
  if ! (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
    log "starting NATS with JetStream"
    mkdir -p /var/lib/nats-server
    start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server || echo /usr/sbin/nats-server)" -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
    for _ in $(seq 1 40); do (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null && break; sleep 0.25; done
    (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null || fail "cannot start NATS"
  fi
  log "NATS ready on 127.0.0.1:4222"
}

# ---------- Chromium (browser tests) ----------
ensure_chromium() {
  if ! [ -x /usr/bin/chromium ]; then apt_install chromium; fi
  [ -x /usr/bin/chromium ] || fail "chromium missing after install"
  log "Chromium ready (/usr/bin/chromium)"
}

ensure_postgres
ensure_mariadb
ensure_nats
ensure_chromium
quick_ok || fail "services are still not ready"
log "all services ready"
