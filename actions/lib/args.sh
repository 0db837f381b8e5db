# shellcheck shell=bash
# Shared by the composite actions: turn action inputs (passed through the
# environment, never interpolated into the script) into the tool's flags.
#   flag --name "$VALUE"     adds --name VALUE when VALUE is not empty
#   switch --name "$VALUE"   adds --name when VALUE is "true"
#   each --name "$VALUE"     adds --name LINE for every non-empty line of VALUE
#   run_tool TOOL            runs TOOL with the collected flags

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

each() {
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    [ -n "$line" ] && args+=("$1" "$line")
  done <<< "$2"
  return 0
}

run_tool() {
  local tool=$1
  shift
  command -v "$tool" >/dev/null 2>&1 || {
    echo "::error::$tool is not installed: add 'uses: portfolio-ci/portfolio-ci/actions/setup@v1' before this step"
    exit 2
  }
  echo "+ $tool $* ${args[*]}"
  exec "$tool" "$@" "${args[@]}"
}
