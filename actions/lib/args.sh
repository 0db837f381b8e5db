# shellcheck shell=bash
# Shared by the composite actions: turn action inputs (passed through the
# environment, never interpolated into the script) into the tool's flags.
#   flag --name "$VALUE"     adds --name VALUE when VALUE is not empty
#   switch --name "$VALUE"   adds --name when VALUE is "true"
#   negate --name "$VALUE"   adds --name (a --no-... switch) when VALUE is "false",
#                            for an input that defaults to true
#   each --name "$VALUE"     adds --name LINE for every non-empty line of VALUE
#   s3_lines "$VALUE"        the lines of VALUE that are [CONTAINER:]arn:... (S3 objects)
#   other_lines "$VALUE" INPUT NEW
#                            the other lines, with a deprecation warning (on
#                            stderr, which the runner reads too) that INPUT
#                            means ARNs now and local files belong in NEW
#   ensure_tool TOOL         installs the binaries through the setup action's
#                            installer when TOOL is not on PATH (inputs
#                            portfolio-ci-version, bin-dir, portfolio-ci-token
#                            and portfolio-ci-build-from-source, passed as
#                            SETUP_VERSION, SETUP_BIN_DIR, SETUP_TOKEN and
#                            SETUP_BUILD_FROM_SOURCE, as setup's own version,
#                            bin-dir, token and build-from-source; the step
#                            also passes ACTION_REF, ACTION_PATH,
#                            ACTION_REPOSITORY, SERVER_URL and API_URL); the
#                            token is dropped from the environment before
#                            the tool runs
#   run_tool TOOL            ensure_tool, then runs TOOL with the collected flags
#   run_tool_report TOOL     the same with --json, the JSON result kept in a file
#                            under RUNNER_TEMP whose path is the step output
#                            `report`; the tool's exit code is kept

args=()

flag() {
  [ -n "$2" ] && args+=("$1" "$2")
  return 0
}

switch() {
  case "$2" in
    true) args+=("$1") ;;
    false|"") ;;
    *) echo "::error::$1 expects true or false, got '$2'"; exit 2 ;;
  esac
}

negate() {
  case "$2" in
    false) args+=("$1") ;;
    true|"") ;;
    *) echo "::error::$1 expects true or false, got '$2'"; exit 2 ;;
  esac
}

each() {
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    [ -n "$line" ] && args+=("$1" "$line")
  done <<< "$2"
  return 0
}

is_arn_line() {
  case "$1" in
    arn:*|[A-Za-z0-9_-]*:arn:*) return 0 ;;
    *) return 1 ;;
  esac
}

s3_lines() {
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    if [ -n "$line" ] && is_arn_line "$line"; then printf '%s\n' "$line"; fi
  done <<< "$1"
}

other_lines() {
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    if [ -z "$line" ] || is_arn_line "$line"; then continue; fi
    echo "::warning::$2: '$line' is not an S3 object ARN; reading it as a local dotenv file is deprecated: $2 takes S3 ARNs (as aws-actions/amazon-ecs-render-task-definition), local files go in $3" >&2
    printf '%s\n' "$line"
  done <<< "$1"
}

ensure_tool() {
  if command -v "$1" >/dev/null 2>&1; then
    unset SETUP_TOKEN
    return 0
  fi
  # A composite action cannot `uses:` its sibling portably: run its installer.
  local setup="${ACTION_PATH:?}/../setup" outputs bin_dir
  outputs=$(mktemp)
  echo "$1 is not on PATH: installing portfolio-ci with $setup/install.sh"
  INPUT_VERSION="${SETUP_VERSION:-}" INPUT_BIN_DIR="${SETUP_BIN_DIR:-}" INPUT_DOWNLOAD_URL="" \
    INPUT_TOKEN="${SETUP_TOKEN:-}" INPUT_BUILD_FROM_SOURCE="${SETUP_BUILD_FROM_SOURCE:-false}" \
    ACTION_PATH="$setup" GITHUB_OUTPUT="$outputs" bash "$setup/install.sh" || exit $?
  unset SETUP_TOKEN
  bin_dir=$(sed -n 's/^bin-dir=//p' "$outputs")
  rm -f "$outputs"
  [ -x "$bin_dir/$1" ] || { echo "::error::setup installed no $1 in '$bin_dir'"; exit 1; }
  export PATH="$bin_dir:$PATH"
}

run_tool() {
  local tool=$1
  shift
  ensure_tool "$tool"
  echo "+ $tool $* ${args[*]}"
  exec "$tool" "$@" "${args[@]}"
}

run_tool_report() {
  local tool=$1 report status=0
  shift
  ensure_tool "$tool"
  report=$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/$tool-report.XXXXXX")
  mv "$report" "$report.json"
  report="$report.json"
  echo "+ $tool $* ${args[*]} --json > $report"
  "$tool" "$@" "${args[@]}" --json > "$report" || status=$?
  echo "report=$report" >> "${GITHUB_OUTPUT:?}"
  exit "$status"
}
