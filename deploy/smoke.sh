#!/usr/bin/env bash
# A production-shaped run of Kringwerk on this machine, from Debian's packages:
# PostgreSQL (roles from postgres/roles.psql: the app connects as a role bound by
# row-level security, the migrations run as the owner), Redis, an SMTP sink (aiosmtpd),
# the app under gunicorn (gunicorn.conf.py) behind nginx (nginx/locations.conf, plain
# HTTP on a free port) and `kringwerk worker`. It loads the demo, walks the main pages
# and one flow per plugin through nginx (smoke_walk.py), checks that the worker
# delivered the mail, stops everything and exits non-zero on any failure.
#
#   deploy/smoke.sh            # needs: make install, and postgresql, redis-server, nginx
#                              # (make system-deps installs them)
#   KEEP=1 deploy/smoke.sh     # keep the work folder (logs, configs) afterwards
#
# As root (CI), PostgreSQL and nginx's workers run as the postgres and www-data users.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${KRINGWERK_VENV:-$ROOT/.venv}/bin
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kringwerk-smoke.XXXXXX")
chmod 755 "$WORK"
PIDS=()
PG_BIN=""
PG_AS=()

say() { printf "[smoke %s] %s\n" "$(date +%T)" "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

show_logs() {
    for log in "$WORK"/*.log "$WORK"/pg/log; do
        [ -s "$log" ] || continue
        say "---- last lines of ${log#"$WORK"/}"
        tail -n 40 "$log" >&2 || true
    done
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    [ "$status" -eq 0 ] || show_logs
    # Stop in reverse order of starting: nginx, worker, web, SMTP, Redis, then PostgreSQL.
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        kill -TERM "${PIDS[i]}" 2>/dev/null || true
    done
    local deadline=$((SECONDS + 25))
    for pid in "${PIDS[@]}"; do
        while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            say "process $pid did not stop in time; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    if [ -n "$PG_BIN" ] && [ -f "$WORK/pg/data/postmaster.pid" ]; then
        "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [ -n "${KEEP:-}" ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
    if [ "$status" -eq 0 ]; then say "passed"; else say "failed (exit $status)"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { "$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_for_port() { # name port seconds
    local deadline=$((SECONDS + $3))
    until "$BIN/python" -c "import socket, sys; socket.create_connection(('127.0.0.1', $2), 0.5)" 2>/dev/null; do
        [ $SECONDS -lt "$deadline" ] || fail "$1 did not listen on port $2 within $3 s"
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || fail "$1: process $pid ended"; done
        sleep 0.2
    done
}

for tool in "$BIN/kringwerk" "$BIN/gunicorn" redis-server psql; do
    command -v "$tool" >/dev/null || fail "$tool is missing (make install, make system-deps)"
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || fail "nginx is missing (make system-deps)"

# --- PostgreSQL: a throwaway cluster; it refuses to run as root -------------------------
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n | tail -n 1)
[ -n "$PG_BIN" ] || PG_BIN=$(dirname "$(command -v pg_ctl)")
mkdir "$WORK/pg"
if [ "$(id -u)" = 0 ]; then
    chown postgres "$WORK/pg"
    PG_AS=(runuser -u postgres --)
fi
PG_PORT=$(free_port)
say "PostgreSQL on $PG_PORT"
"${PG_AS[@]}" "$PG_BIN/initdb" -D "$WORK/pg/data" -A trust -U postgres -E UTF8 --locale=C --no-sync >/dev/null
"${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w -t 60 \
    -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
# The deploy's own role script: an owner for the schema and the app's role.
psql -X -q -v ON_ERROR_STOP=1 "postgresql://postgres@127.0.0.1:$PG_PORT/postgres" \
    -v database=kringwerk -v owner_role=kringwerk_owner -v owner_password=owner-secret \
    -v app_role=kringwerk_app -v app_password=app-secret \
    -f "$ROOT/deploy/postgres/roles.psql" >/dev/null

# --- Redis and the SMTP sink ---------------------------------------------------------------
REDIS_PORT=$(free_port)
say "Redis on $REDIS_PORT"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" \
    >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
wait_for_port Redis "$REDIS_PORT" 15

SMTP_PORT=$(free_port)
say "SMTP sink on $SMTP_PORT"
mkdir -p "$WORK/mail/cur" "$WORK/mail/new" "$WORK/mail/tmp"
"$BIN/python" -m aiosmtpd -n -u -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$WORK/mail" \
    >"$WORK/smtp.log" 2>&1 &
PIDS+=($!)
wait_for_port "SMTP sink" "$SMTP_PORT" 15

# --- The app's environment, as a production host has it ------------------------------------
WEB_PORT=$(free_port)
HTTP_PORT=$(free_port)
export KRINGWERK_ENV=production
export SECRET_KEY="smoke-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export DATABASE_URL="postgresql+psycopg://kringwerk_app:app-secret@127.0.0.1:$PG_PORT/kringwerk"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export SMTP_URL="smtp://127.0.0.1:$SMTP_PORT"
export BASE_URL="http://127.0.0.1:$HTTP_PORT"
export PROXY_HOPS=1
export KRINGWERK_INSTANCE="$WORK/instance"
export GUNICORN_BIND="127.0.0.1:$WEB_PORT" GUNICORN_WORKERS=2 GUNICORN_THREADS=2
unset KRINGWERK_APP_ROLE STRIPE_SECRET_KEY STRIPE_WEBHOOK_SECRET
cd "$ROOT"

say "migrations as the owner"
DATABASE_URL="postgresql+psycopg://kringwerk_owner:owner-secret@127.0.0.1:$PG_PORT/kringwerk" \
    KRINGWERK_APP_ROLE=kringwerk_app "$BIN/kringwerk" db upgrade >"$WORK/migrate.log" 2>&1 \
    || fail "kringwerk db upgrade"

# --- web and worker boot while the demo loads (both only need the schema) -----------------
say "gunicorn on $WEB_PORT and the worker start; the demo loads as the app"
"$BIN/gunicorn" --config deploy/gunicorn.conf.py "kringwerk:create_app()" >"$WORK/web.log" 2>&1 &
PIDS+=($!)
"$BIN/kringwerk" worker >"$WORK/worker.log" 2>&1 &
PIDS+=($!)
"$BIN/kringwerk" demo >"$WORK/demo.log" 2>&1 || fail "kringwerk demo"
grep -q "kringwerk-demo" "$WORK/demo.log" || fail "kringwerk demo printed no demo logins"

# --- nginx in front ------------------------------------------------------------------------
say "nginx on $HTTP_PORT"
mkdir -p "$WORK/nginx/temp"
NGINX_USER=""
if [ "$(id -u)" = 0 ]; then
    NGINX_USER="user www-data;"
    chown www-data "$WORK/nginx/temp"
fi
sed -e "s#/app/#$ROOT/#g" -e "s#/var/log/nginx/access.log#$WORK/nginx-access.log#" \
    deploy/nginx/locations.conf >"$WORK/nginx/locations.conf"
cp deploy/nginx/logging.conf "$WORK/nginx/logging.conf"
"$BIN/python" deploy/nginx/static_versions.py >"$WORK/nginx/static-versions.conf" || fail "static_versions.py"
cat >"$WORK/nginx/nginx.conf" <<EOF
# Generated by deploy/smoke.sh: plain HTTP on a free port, the deploy's locations.
$NGINX_USER
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    include $WORK/nginx/logging.conf;
    client_body_temp_path $WORK/nginx/temp/body;
    proxy_temp_path $WORK/nginx/temp/proxy;
    fastcgi_temp_path $WORK/nginx/temp/fastcgi;
    uwsgi_temp_path $WORK/nginx/temp/uwsgi;
    scgi_temp_path $WORK/nginx/temp/scgi;
    server_tokens off;
    upstream kringwerk_web { server 127.0.0.1:$WEB_PORT; keepalive 8; }
    include $WORK/nginx/static-versions.conf;
    server {
        listen 127.0.0.1:$HTTP_PORT;
        server_name _;
        set \$kringwerk_proto \$scheme;
        include $WORK/nginx/locations.conf;
    }
}
EOF
"$NGINX" -t -q -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx-error.log" || fail "nginx -t"
"$NGINX" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx-error.log" &
PIDS+=($!)
wait_for_port gunicorn "$WEB_PORT" 60
wait_for_port nginx "$HTTP_PORT" 15
# The port opens before gunicorn's workers have loaded the app: wait for an answer.
deadline=$((SECONDS + 60))
until "$BIN/python" -c "import urllib.request; urllib.request.urlopen('$BASE_URL/healthz', timeout=5)" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "no answer from $BASE_URL/healthz within 60 s"
    sleep 0.5
done
grep -q "Listening on kringwerk" "$WORK/worker.log" || say "(the worker is still starting)"

# --- the walk ------------------------------------------------------------------------------
say "walking through nginx"
timeout 150 "$BIN/python" deploy/smoke_walk.py --base "$BASE_URL" --maildir "$WORK/mail" \
    --demo-log "$WORK/demo.log" --static "$ROOT/platform/kringwerk/static" \
    || fail "the walk through nginx"
grep -q '"GET /healthz' "$WORK/nginx-access.log" 2>/dev/null && fail "nginx logged /healthz"
# The walk answered a poll by its personal link: nginx logged it, with the token taken out.
grep -q '/a/\[token\]' "$WORK/nginx-access.log" || fail "nginx's log shows no personal link written as [token]"
grep -Eq '/a/[A-Za-z0-9_-]{32,}' "$WORK/nginx-access.log" && fail "nginx logged a personal link's token"
# The mails the walk read came from the worker: with REDIS_URL set nothing else sends them.
grep -Eq "Job OK \(t[0-9]+-deliver_mail-" "$WORK/worker.log" || fail "the worker's log shows no delivered mail"
say "all pages and flows answered as expected"
