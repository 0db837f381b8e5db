#!/usr/bin/env bash
# Installs the portfolio-ci binaries for the setup action (see action.yml).
# Inputs come from the environment: INPUT_VERSION, INPUT_BIN_DIR,
# INPUT_DOWNLOAD_URL (else PORTFOLIO_CI_DOWNLOAD_URL, else GitHub's release
# downloads), ACTION_REF, ACTION_PATH, RUNNER_OS, RUNNER_ARCH,
# RUNNER_TOOL_CACHE, GITHUB_PATH, GITHUB_OUTPUT. The tool actions run it too
# (actions/lib/args.sh) when their binary is not on PATH.
set -euo pipefail

TOOLS=(build-push-image render-taskdef ecs-rolling-deploy ecr-lifecycle terraform-runner)

fail() { echo "::error title=portfolio-ci setup::$*"; exit 1; }
output() { [ -n "${GITHUB_OUTPUT:-}" ] && echo "$1=$2" >> "$GITHUB_OUTPUT"; return 0; }
use_dir() {
  local dir=$1 version=$2 tool
  for tool in "${TOOLS[@]}"; do
    [ -x "$dir/$tool" ] || fail "$dir/$tool is missing or not executable"
  done
  [ -n "${GITHUB_PATH:-}" ] && echo "$dir" >> "$GITHUB_PATH"
  output bin-dir "$dir"
  output version "$version"
  echo "portfolio-ci $version: $dir"
}

target_triple() {
  local os=${RUNNER_OS:-$(uname -s)} arch=${RUNNER_ARCH:-$(uname -m)}
  case "$arch" in
    X64|x86_64|amd64) arch=x86_64 ;;
    ARM64|arm64|aarch64) arch=aarch64 ;;
    *) fail "unsupported runner architecture: $arch" ;;
  esac
  case "$os" in
    Linux) echo "$arch-unknown-linux-musl" ;;
    macOS|Darwin) echo "$arch-apple-darwin" ;;
    *) fail "unsupported runner OS: $os (linux and macOS are supported)" ;;
  esac
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# download URL FILE: returns 0 on success, 4 when the server says 404, fails otherwise.
download() {
  local url=$1 file=$2 code
  code=$(curl --silent --show-error --location --retry 5 --retry-delay 2 --retry-all-errors \
    --connect-timeout 10 --output "$file" --write-out '%{http_code}' "$url") || code=${code:-000}
  case "$code" in
    200) return 0 ;;
    404) return 4 ;;
    *) fail "download of $url failed (HTTP $code)" ;;
  esac
}

build_from_source() {
  local dest=$1 root
  root=$(cd "${ACTION_PATH:?}/../.." && pwd)
  command -v cargo >/dev/null 2>&1 || fail "no release matches '${version:-}' and cargo is not available to build from source"
  echo "No release for '${version:-}': building from source in $root"
  local args=() tool
  for tool in "${TOOLS[@]}"; do args+=(--bin "$tool"); done
  cargo build --release --locked --manifest-path "$root/Cargo.toml" "${args[@]}"
  mkdir -p "$dest"
  for tool in "${TOOLS[@]}"; do cp "$root/target/release/$tool" "$dest/"; done
}

bin_dir=${INPUT_BIN_DIR:-${PORTFOLIO_CI_BIN_DIR:-}}
if [ -n "$bin_dir" ]; then
  use_dir "$(cd "$bin_dir" && pwd)" prebuilt
  exit 0
fi

version=${INPUT_VERSION:-${ACTION_REF:-}}
target=$(target_triple)
cache_root=${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/portfolio-ci

if [[ ! "$version" =~ ^v[0-9]+(\.[0-9]+){0,2}(-[0-9A-Za-z.-]+)?$ ]]; then
  dest="$cache_root/source-$(printf '%s' "${version:-local}" | tr -c 'A-Za-z0-9._-' '_')/$target"
  [ -x "$dest/${TOOLS[0]}" ] || build_from_source "$dest"
  use_dir "$dest" source
  exit 0
fi

dest="$cache_root/$version/$target"
if [ -f "$dest/.complete" ]; then
  echo "Using cached portfolio-ci $version from the tool cache"
  use_dir "$dest" "$version"
  exit 0
fi

archive="portfolio-ci-$version-$target.tar.gz"
base=${INPUT_DOWNLOAD_URL:-${PORTFOLIO_CI_DOWNLOAD_URL:-https://github.com/portfolio-ci/portfolio-ci/releases/download}}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
download "$base/$version/$archive" "$work/$archive" || status=$?
if [ "$status" -eq 4 ]; then
  dest="$cache_root/source-$version/$target"
  [ -x "$dest/${TOOLS[0]}" ] || build_from_source "$dest"
  use_dir "$dest" source
  exit 0
fi
download "$base/$version/SHA256SUMS" "$work/SHA256SUMS" || fail "the release $version has no SHA256SUMS: refusing an unverified archive"

expected=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1 }' "$work/SHA256SUMS")
[ -n "$expected" ] || fail "SHA256SUMS of $version has no entry for $archive: refusing an unverified archive"
actual=$(sha256_of "$work/$archive")
if [ "$expected" != "$actual" ]; then
  fail "checksum mismatch for $archive: SHA256SUMS says $expected, the download is $actual. The archive was NOT installed."
fi
echo "Verified $archive (sha256 $actual)"

mkdir -p "$work/unpacked" "$(dirname "$dest")"
tar -xzf "$work/$archive" -C "$work/unpacked" --strip-components=1 || fail "$archive is not a valid archive"
rm -rf "$dest"
mv "$work/unpacked" "$dest"
touch "$dest/.complete"
use_dir "$dest" "$version"
