#!/bin/sh
# What the official image's entrypoint does that the compose file relies on.
set -eu
case "${1:-}" in -*) set -- postgres "$@" ;; esac
if [ "${1:-}" = postgres ]; then
    if [ "$(id -u)" = 0 ]; then
        # A fresh named volume is root's: hand it to postgres, then drop to that user.
        mkdir -p "$PGDATA" /var/run/postgresql
        chown -R postgres:postgres "$PGDATA" /var/run/postgresql
        chmod 0700 "$PGDATA"
        exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
    fi
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required to make a new cluster}"
        user="${POSTGRES_USER:-postgres}"
        database="${POSTGRES_DB:-$user}"
        password_file="$(mktemp)"
        printf '%s\n' "$POSTGRES_PASSWORD" > "$password_file"
        initdb --username="$user" --pwfile="$password_file" --encoding=UTF8 \
            --auth-local=trust --auth-host=scram-sha-256 -D "$PGDATA"
        rm -f "$password_file"
        echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
        echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
        if [ "$database" != postgres ]; then
            # Started on its socket only, so nothing connects before the database exists.
            pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
            psql -v ON_ERROR_STOP=1 --username="$user" --dbname=postgres \
                -c "CREATE DATABASE \"$database\""
            pg_ctl -D "$PGDATA" -m fast -w stop
        fi
        echo "docker-entrypoint.sh: new cluster ready for $user, database $database"
    fi
fi
exec "$@"
