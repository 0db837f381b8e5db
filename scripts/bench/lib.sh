# shellcheck shell=bash
# Shared by the benchmarks in scripts/bench: sourced first thing, it moves to the
# repository root and gives one implementation of what every benchmark needs:
#   WORK                       a private work directory, removed on exit
#   at_exit CMD...             registers a cleanup; one EXIT trap runs them all, last first
#   free_port                  a free loopback TCP port
#   wait_until SECS WHAT CMD   polls CMD until it succeeds, dies after SECS
#   start_bg NAME CMD...       a background process, stopped on exit (its pid in BG_PID)
#   start_moto                 moto_server on a free port (MOTO_ENDPOINT)
#   start_ecs_sim ARGS...      ecs-sim on a free port (ECS_SIM_ENDPOINT)
#   start_registry             the distribution registry, no auth (REGISTRY_ADDR)
#   build_release ARGS...      cargo build --release ARGS (SKIP_BUILD=1 skips); sets RELEASE_DIR
#   now, seconds_since, best_of, less_than, ratio   timing and arithmetic
# log, die, apt_install and pip_install come from scripts/lib.sh.

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

bench_cleanups=()
# at_exit CMD...: runs CMD (a command and its arguments) when the benchmark exits.
at_exit() { bench_cleanups+=("$(printf '%q ' "$@")"); }
bench_on_exit() {
  local i
  for ((i = ${#bench_cleanups[@]} - 1; i >= 0; i--)); do
    eval "${bench_cleanups[i]}" >/dev/null 2>&1 || true
  done
}
trap bench_on_exit EXIT

WORK=$(mktemp -d)
at_exit rm -rf "$WORK"

# free_port: prints a TCP port free on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_until SECONDS WHAT CMD...: runs CMD every 0.1 s until it succeeds; dies
# naming WHAT when SECONDS have passed.
wait_until() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || die "timed out after ${seconds}s waiting for $what"
    sleep 0.1
  done
}

# stop_bg PID: stops a background process of this shell and waits for it.
stop_bg() { kill "$1" 2>/dev/null && wait "$1" 2>/dev/null; }

# start_bg NAME CMD...: starts CMD in the background, its stdout in WORK/NAME.out
# and its stderr in WORK/NAME.err; stopped on exit. Sets BG_PID.
declare -gA bench_names=()
start_bg() {
  local name=$1
  shift
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  BG_PID=$!
  at_exit stop_bg "$BG_PID"
  bench_names[$BG_PID]=$name
}

# running PID CMD...: CMD's status while PID (from start_bg) runs; dies with the
# end of its stderr once it has exited.
running() {
  local pid=$1 name=${bench_names[$1]:-}
  shift
  kill -0 "$pid" 2>/dev/null || die "$name exited early: $(tail -5 "$WORK/$name.err" 2>/dev/null)"
  "$@"
}

# port_open PORT: whether something listens on 127.0.0.1:PORT.
port_open() { (: >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_moto: moto_server on a free loopback port; sets MOTO_ENDPOINT.
start_moto() {
  pip_install moto_server 'moto[server]'
  local port
  port=$(free_port)
  MOTO_ENDPOINT=http://127.0.0.1:$port
  start_bg moto_server moto_server -H 127.0.0.1 -p "$port"
  wait_until 30 "moto_server at $MOTO_ENDPOINT" running "$BG_PID" \
    curl -s -o /dev/null "$MOTO_ENDPOINT/moto-api/data.json"
}

# start_ecs_sim ARGS...: the release ecs-sim (build it first) on a free loopback
# port with ARGS; it prints its endpoint as the first line of stdout. Sets ECS_SIM_ENDPOINT.
start_ecs_sim() {
  start_bg ecs-sim "$RELEASE_DIR/ecs-sim" --port 0 "$@"
  # shellcheck disable=SC2016 # expanded by the inner shell
  wait_until 30 "ecs-sim's endpoint" running "$BG_PID" sh -c '[ "$(wc -l <"$0")" -gt 0 ]' "$WORK/ecs-sim.out"
  # shellcheck disable=SC2034 # read by the benchmark
  ECS_SIM_ENDPOINT=$(head -1 "$WORK/ecs-sim.out")
}

# start_registry: the distribution registry (Debian's docker-registry) on a free
# loopback port, without auth, storage in WORK; sets REGISTRY_ADDR (host:port).
start_registry() {
  apt_install docker-registry docker-registry
  local port dir=$WORK/registry
  port=$(free_port)
  REGISTRY_ADDR=127.0.0.1:$port
  mkdir -p "$dir"
  cat >"$dir/config.yml" <<YAML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $dir/data}}
http: {addr: $REGISTRY_ADDR, secret: bench}
YAML
  start_bg docker-registry docker-registry serve "$dir/config.yml"
  wait_until 30 "the registry at $REGISTRY_ADDR" running "$BG_PID" port_open "$port"
}

# build_release ARGS...: cargo build --release --locked ARGS (e.g. -p TOOL), with
# cargo's progress on stderr, unless SKIP_BUILD is set (reuse up-to-date binaries);
# sets RELEASE_DIR to the release directory of cargo's target directory.
build_release() {
  if [ -z "${SKIP_BUILD:-}" ]; then
    log "building $* (release)"
    cargo build --release --locked "$@" >&2 || die "cargo build --release $* failed"
  fi
  RELEASE_DIR="$(cargo metadata --format-version 1 --no-deps --locked \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/release"
}

# now: the current time in seconds, with nanoseconds.
now() { date +%s.%N; }
# seconds_since T0: seconds from T0 (a `now`) until now.
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { print b - a }'; }
# less_than A B: whether the number A is less than B.
less_than() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# best_of N CMD...: the shortest wall time in seconds of N runs of CMD, output
# discarded (a failed run is an error); CMD sees the run's number (1..N) in BEST_OF_RUN.
best_of() {
  local n=$1 best='' t0 t
  shift
  for ((BEST_OF_RUN = 1; BEST_OF_RUN <= n; BEST_OF_RUN++)); do
    t0=$(now)
    "$@" >/dev/null 2>&1 || die "$* failed"
    t=$(seconds_since "$t0")
    if [ -z "$best" ] || less_than "$t" "$best"; then best=$t; fi
  done
  echo "$best"
}
