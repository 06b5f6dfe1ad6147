#!/usr/bin/env bash
# Starts PostgreSQL and Redis when they have stopped (the project's machines run both from Debian's
# packages). Elsewhere, point DATABASE_URL and REDIS_URL at servers of your own.
set -u
pg_up() { (echo > /dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { (echo > /dev/tcp/127.0.0.1/6379) 2>/dev/null; }
if [ -z "${DATABASE_URL:-}" ] && ! pg_up && [ -d /etc/postgresql ]; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
  for _ in $(seq 30); do pg_up && break; sleep 1; done
fi
if [ -z "${REDIS_URL:-}" ] && ! redis_up && command -v redis-server >/dev/null; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  for _ in $(seq 30); do redis_up && break; sleep 1; done
fi
[ -n "${DATABASE_URL:-}" ] || pg_up || { echo "PostgreSQL is not reachable on 127.0.0.1:5432"; exit 1; }
[ -n "${REDIS_URL:-}" ] || redis_up || { echo "Redis is not reachable on 127.0.0.1:6379"; exit 1; }
