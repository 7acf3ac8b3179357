#!/usr/bin/env bash
# Makes sure the services the tests talk to are up: starts each one that is installed but down,
# and says plainly what it could not start. Exit status 1 if PostgreSQL is not reachable.
set -u
PGHOST_ADDR=${PGHOST_ADDR:-127.0.0.1}
PGPORT_NUM=${PGPORT_NUM:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
status=0

pg_up() { pg_isready -q -h "$PGHOST_ADDR" -p "$PGPORT_NUM" 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

if pg_up; then
  echo "services: PostgreSQL is up on $PGHOST_ADDR:$PGPORT_NUM"
elif command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  echo "services: PostgreSQL is down; starting it"
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>&1 | sed 's/^/  /'
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  if pg_up; then echo "services: PostgreSQL started"; else
    echo "services: could NOT start PostgreSQL (tried pg_ctlcluster $version main start)"; status=1; fi
else
  echo "services: PostgreSQL is not running and is not installed here (no pg_ctlcluster):"
  echo "          set DATABASE_URL to a reachable PostgreSQL server"
  status=1
fi

if redis_up; then
  echo "services: Redis is up on 127.0.0.1:$REDIS_PORT"
elif command -v redis-server >/dev/null 2>&1; then
  echo "services: Redis is down; starting it"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    >/dev/null 2>&1
  for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
  if redis_up; then echo "services: Redis started"; else
    echo "services: could NOT start Redis; tests that need it will fail"; fi
else
  echo "services: Redis is not running and not installed; tests that need it will fail"
fi
exit $status
