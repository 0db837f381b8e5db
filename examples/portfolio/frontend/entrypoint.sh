#!/bin/sh
# Start-up of the sample frontend: checks the configuration, says so on
# stdout, then serves the page in /srv on $PORT in the foreground.
# A bad setting is fatal: one line on stderr and exit code 1.
set -eu

case "${PORT:-}" in
  '' | *[!0-9]*)
    echo "fatal: PORT must be a port number, got '${PORT:-}'" >&2
    exit 1
    ;;
esac

echo "portfolio-frontend: starting on port $PORT"
exec /bin/busybox httpd -f -v -p "$PORT" -h /srv
