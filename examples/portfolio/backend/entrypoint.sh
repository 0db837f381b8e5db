#!/bin/sh
# Start-up of the sample backend: checks the configuration, says so on
# stdout (CloudWatch Logs through awslogs), then serves /srv on $PORT in the
# foreground (GET /api/v1/health answers with the health document).
# A missing setting is fatal: one line on stderr and exit code 1, before
# anything listens, as a real service that cannot reach its database.
set -eu

fatal() {
  echo "fatal: $*" >&2
  exit 1
}

[ -n "${DATABASE_URL:-}" ] || fatal "DATABASE_URL is not set"
case "${PORT:-}" in
  '' | *[!0-9]*) fatal "PORT must be a port number, got '${PORT:-}'" ;;
esac

# A command given to the container (a one-off task: migrations, a shell)
# runs instead of the server, with the same checked configuration.
[ "$#" -eq 0 ] || exec "$@"

echo "portfolio-backend: starting on port $PORT (environment ${ENVIRONMENT:-unset})"
exec /bin/busybox httpd -f -v -p "$PORT" -h /srv
