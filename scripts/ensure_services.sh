#!/usr/bin/env bash
# Start PostgreSQL and Redis on this machine if they are not answering; fail loudly if they cannot be started.
# Usage: scripts/ensure_services.sh [python-with-redis-installed]
set -euo pipefail
python=${1:-python3}

postgres_ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_ready() { "$python" -c 'import redis, sys; redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()' 2>/dev/null; }

wait_for() {  # name, check function
  for _ in $(seq 1 60); do "$2" && return 0; sleep 0.5; done
  echo "ensure_services: $1 did not come up within 30 s" >&2
  return 1
}

if ! postgres_ready; then
  echo "ensure_services: PostgreSQL is not answering on 127.0.0.1:5432; starting it" >&2
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
  else
    echo "ensure_services: no pg_ctlcluster here; start PostgreSQL yourself (trust auth, database 'test')" >&2
    exit 1
  fi
  wait_for PostgreSQL postgres_ready
fi

if ! redis_ready; then
  echo "ensure_services: Redis is not answering on 127.0.0.1:6379; starting it" >&2
  if command -v redis-server >/dev/null; then
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir "$( [ -w /var/lib/redis ] && echo /var/lib/redis || echo /tmp )" \
      --logfile "$( [ -w /var/log/redis ] && echo /var/log/redis/ci.log || echo /tmp/redis-ci.log )"
  else
    echo "ensure_services: redis-server is not installed; install Redis 6 or newer" >&2
    exit 1
  fi
  wait_for Redis redis_ready
fi
echo "ensure_services: PostgreSQL and Redis are up" >&2
