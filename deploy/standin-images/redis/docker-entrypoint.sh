#!/bin/sh
# What the official image's entrypoint does that the compose file relies on.
set -eu
# `redis` with only options (or a configuration file) means redis-server with them.
case "${1:-}" in -*|*.conf) set -- redis-server "$@" ;; esac
if [ "${1:-}" = redis-server ]; then
    if [ "$(id -u)" = 0 ]; then
        # A fresh named volume is root's: hand /data to redis, then drop to it.
        find . \! -user redis -exec chown redis:redis '{}' +
        exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
    fi
    # Without a configuration file redis-server listens on every interface but, in protected
    # mode, answers only the loopback one; the official image builds with it off.
    case " $* " in *" --protected-mode "*) ;; *) set -- "$@" --protected-mode no ;; esac
    umask 0077
fi
exec "$@"
