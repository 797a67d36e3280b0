#!/usr/bin/env bash
# Make sure PostgreSQL and Redis are up on 127.0.0.1 for the tests and the benchmark, starting
# them the way a fresh Debian machine needs (no systemd: pg_ctlcluster and a daemonized redis).
set -euo pipefail

PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
PG_PASSWORD=${PG_PASSWORD:-postgres}

pg_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }

if ! pg_up; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    pg_createcluster "$version" main >/dev/null
  fi
  echo "Starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "PostgreSQL did not start" >&2; exit 1; }
fi

# A fresh cluster only lets 'postgres' in over the local socket (peer auth); give it a password
# so tests can connect over TCP. Where auth is already trust, this changes nothing that matters.
if ! PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- psql -q -p "$PG_PORT" -c "ALTER USER postgres PASSWORD '$PG_PASSWORD'"
  else
    echo "Cannot log in to PostgreSQL as postgres over TCP; set a password or run as root." >&2
    exit 1
  fi
fi

if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "Starting Redis"
  mkdir -p /tmp/bilag-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
    --appendonly no --dir /tmp/bilag-redis --logfile /tmp/bilag-redis/redis.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
