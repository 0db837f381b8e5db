#!/usr/bin/env bash
# Installs the portfolio-ci binaries for the setup action (see action.yml).
# Inputs come from the environment:
#   INPUT_VERSION, INPUT_BIN_DIR, INPUT_DOWNLOAD_URL (else
#   PORTFOLIO_CI_DOWNLOAD_URL), INPUT_TOKEN, INPUT_BUILD_FROM_SOURCE;
#   ACTION_REF, ACTION_PATH, ACTION_REPOSITORY (github.action_ref,
#   github.action_path, github.action_repository: the ref and repository
#   are empty in nested composite actions, so both are read back from
#   ACTION_PATH, .../_actions/<owner>/<repo>/<ref>/..., when empty);
#   SERVER_URL, API_URL (github.server_url, github.api_url: GitHub
#   Enterprise Server answers on https://HOST and https://HOST/api/v3);
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TOOL_CACHE, GITHUB_PATH, GITHUB_OUTPUT.
# The tool actions run it too (actions/lib/args.sh) when their binary is not
# on PATH.
#
# A ref vX.Y.Z is that release; vX and vX.Y the newest release matching them
# (from the releases API; the moving vX release itself is skipped); a full
# commit SHA the release whose tag points at that commit. With a token the
# release assets come through the API (the only way for a private
# repository); without one from <server>/<repo>/releases/download. The token
# goes to the API only, in a header file curl reads, never in an argument.
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

# fetch URL FILE [HEADER_FILE]: returns 0 on success, 4 when the server says
# 404, fails otherwise. The headers (the token among them) are read by curl
# from HEADER_FILE, so they never appear in its argument list.
fetch() {
  local url=$1 file=$2 headers=${3:-} code
  local args=(--silent --show-error --location --retry 5 --retry-delay 2 --retry-all-errors
    --connect-timeout 10 --output "$file" --write-out '%{http_code}')
  [ -z "$headers" ] || args+=(--header "@$headers")
  code=$(curl "${args[@]}" "$url") || code=${code:-000}
  case "$code" in
    200) return 0 ;;
    404) return 4 ;;
    401|403) fail "$url answered HTTP $code: the token cannot read the releases (the job needs contents: read, or pass a token that can read the repository)" ;;
    *) fail "download of $url failed (HTTP $code)" ;;
  esac
}

# The header files for API calls (JSON) and asset downloads (octet-stream),
# each with the token when there is one; private to this run.
write_headers() {
  local accept
  (
    umask 077
    for accept in json octet; do
      case "$accept" in
        json) echo "Accept: application/vnd.github+json" ;;
        octet) echo "Accept: application/octet-stream" ;;
      esac > "$work/headers-$accept"
      [ -z "$token" ] || echo "Authorization: Bearer $token" >> "$work/headers-$accept"
    done
  )
}

# api PATH FILE: GETs $api_url/PATH as JSON; returns 4 on 404.
api() {
  command -v jq >/dev/null 2>&1 || fail "jq is needed to read GitHub's API (install it, or pass bin-dir)"
  fetch "$api_url/$1" "$2" "$work/headers-json"
}

need_repo() {
  [ -n "$repo" ] || fail "cannot tell which repository this action comes from (github.action_repository and github.action_path name none): pass version with download-url, or bin-dir"
}

# newest MATCHES_FILE: sets `found` to the newest vX.Y.Z of the file's lines
# (empty when none).
newest() {
  found=$(jq -R -s -r 'split("\n") | map(select(length > 0))
    | max_by(ltrimstr("v") | split(".") | map(tonumber)) // empty' "$1")
}

# newest_release REF: sets `found` to the newest release vX.Y.Z matching REF
# (vX or vX.Y), drafts and prereleases left out, from every page of the
# releases list.
newest_release() {
  local ref=$1 page=1 dots pattern
  dots=${ref//[^.]/}
  pattern="^${ref//./\\.}(\\.[0-9]+){$((2 - ${#dots}))}$"
  : > "$work/tags"
  while :; do
    api "repos/$repo/releases?per_page=100&page=$page" "$work/releases.json" \
      || fail "$repo has no releases at $api_url (a private repository needs a token that can read it)"
    jq -r --arg pattern "$pattern" \
      '.[] | select((.draft or .prerelease) | not) | .tag_name | select(test($pattern))' \
      "$work/releases.json" >> "$work/tags"
    [ "$(jq length "$work/releases.json")" -ge 100 ] || break
    page=$((page + 1))
  done
  newest "$work/tags"
}

# tag_commit SHA TYPE: sets `commit` to the commit a tag ref's object points
# at, annotated tags dereferenced (empty when it is none).
tag_commit() {
  local sha=$1 type=$2 depth=0
  commit=
  while [ "$type" = tag ] && [ "$depth" -lt 5 ]; do
    api "repos/$repo/git/tags/$sha" "$work/tag.json" || return 0
    sha=$(jq -r '.object.sha' "$work/tag.json")
    type=$(jq -r '.object.type' "$work/tag.json")
    depth=$((depth + 1))
  done
  [ "$type" != commit ] || commit=$sha
}

# release_of_commit SHA: sets `found` to the newest vX.Y.Z tag pointing at
# commit SHA (empty when none).
release_of_commit() {
  local wanted=$1 name sha type
  found=
  api "repos/$repo/git/matching-refs/tags/v" "$work/refs.json" || return 0
  : > "$work/tags"
  jq -r '.[] | [.ref, .object.sha, .object.type] | @tsv' "$work/refs.json" > "$work/refs.tsv"
  while IFS=$'\t' read -r name sha type; do
    [[ "$name" =~ ^refs/tags/v[0-9]+\.[0-9]+\.[0-9]+$ ]] || continue
    tag_commit "$sha" "$type"
    [ "$commit" != "$wanted" ] || echo "${name#refs/tags/}" >> "$work/tags"
  done < "$work/refs.tsv"
  newest "$work/tags"
}

no_release() {
  if [ "$build_from_source" = true ]; then
    build_from_source
    exit 0
  fi
  fail "$1. A branch or an unreleased commit is not installed by default: pin the action to a release (@v1, @v1.2, @v1.2.3, or the full commit SHA of a release tag), pass bin-dir with prebuilt binaries, or set build-from-source: true to build it with cargo (minutes per job)."
}

# build_from_source: builds the tools of the action's checkout with cargo;
# the build is reused from the tool cache only for a ref that cannot move
# (a commit SHA or a vX.Y.Z tag), never for a branch.
build_from_source() {
  local root dest
  root=$(cd "${ACTION_PATH:?}/../.." && pwd)
  dest="$cache_root/source-$(printf '%s' "${ref:-local}" | tr -c 'A-Za-z0-9._-' '_')/$target"
  if [[ ! "$ref" =~ ^([0-9a-f]{40}|v[0-9]+\.[0-9]+\.[0-9]+)$ ]] || [ ! -x "$dest/${TOOLS[0]}" ]; then
    command -v cargo >/dev/null 2>&1 || fail "build-from-source: cargo is not available to build '${ref:-}'"
    echo "No release for '${ref:-}': building from source in $root (build-from-source: true)"
    local args=() tool
    for tool in "${TOOLS[@]}"; do args+=(--bin "$tool"); done
    cargo build --release --locked --manifest-path "$root/Cargo.toml" "${args[@]}"
    mkdir -p "$dest"
    for tool in "${TOOLS[@]}"; do cp "$root/target/release/$tool" "$dest/"; done
  fi
  use_dir "$dest" source
}

# download_asset NAME FILE: one asset of release $version, returns 4 when the
# release or the asset does not exist.
download_asset() {
  local name=$1 file=$2 url
  if [ -n "$download_url" ]; then
    fetch "$download_url/$version/$name" "$file"
  elif [ -z "$token" ]; then
    fetch "$server_url/$repo/releases/download/$version/$name" "$file"
  else
    if [ ! -s "$work/release.json" ]; then
      api "repos/$repo/releases/tags/$version" "$work/release.json" || return 4
    fi
    url=$(jq -r --arg name "$name" '.assets[] | select(.name == $name) | .url' "$work/release.json")
    [ -n "$url" ] || return 4
    fetch "$url" "$file" "$work/headers-octet"
  fi
}

bin_dir=${INPUT_BIN_DIR:-${PORTFOLIO_CI_BIN_DIR:-}}
if [ -n "$bin_dir" ]; then
  use_dir "$(cd "$bin_dir" && pwd)" prebuilt
  exit 0
fi

token=${INPUT_TOKEN:-}
[ -z "$token" ] || echo "::add-mask::$token"
build_from_source=${INPUT_BUILD_FROM_SOURCE:-false}
case "$build_from_source" in
  true|false) ;;
  *) fail "build-from-source expects true or false, got '$build_from_source'" ;;
esac
download_url=${INPUT_DOWNLOAD_URL:-${PORTFOLIO_CI_DOWNLOAD_URL:-}}
download_url=${download_url%/}
server_url=${SERVER_URL:-https://github.com}
server_url=${server_url%/}
api_url=${API_URL:-https://api.github.com}
api_url=${api_url%/}

# The action's repository and ref, read back from its path when the runner
# leaves them empty (nested composite actions).
repo=${ACTION_REPOSITORY:-}
ref=${ACTION_REF:-}
if [[ "${ACTION_PATH:-}" =~ /_actions/([^/]+)/([^/]+)/([^/]+)(/|$) ]]; then
  [ -n "$repo" ] || repo="${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
  [ -n "$ref" ] || ref=${BASH_REMATCH[3]}
fi
ref=${INPUT_VERSION:-$ref}

target=$(target_triple)
cache_root=${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/portfolio-ci
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
write_headers

# The exact release the ref names.
moving=false
if [[ "$ref" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  version=$ref
elif [[ "$ref" =~ ^v[0-9]+(\.[0-9]+)?$ ]] && [ -n "$download_url" ]; then
  # A mirror has no releases API: its moving release (vX) is a release of
  # its own, whose archive changes when it moves (see the cache below).
  version=$ref
  moving=true
elif [[ "$ref" =~ ^v[0-9]+(\.[0-9]+)?$ ]]; then
  need_repo
  newest_release "$ref"
  version=$found
  [ -n "$version" ] || no_release "$repo has no release matching $ref"
  echo "$ref is $version, the newest release of $repo matching it"
elif [[ "$ref" =~ ^[0-9a-f]{40}$ ]]; then
  need_repo
  release_of_commit "$ref"
  version=$found
  [ -n "$version" ] || no_release "commit $ref of $repo has no release tag (vX.Y.Z) pointing at it"
  echo "Commit $ref is release $version of $repo"
elif [ -z "$ref" ]; then
  no_release "no version to install: the action's ref is unknown (a local action?) and version is empty"
else
  no_release "'$ref' is not a release of ${repo:-portfolio-ci} (a release is vX.Y.Z, or vX / vX.Y for the newest matching one)"
fi

dest="$cache_root/$version/$target"
archive="portfolio-ci-$version-$target.tar.gz"
if [ "$moving" = false ] && [ -f "$dest/.complete" ]; then
  echo "Using cached portfolio-ci $version from the tool cache"
  use_dir "$dest" "$version"
  exit 0
fi

[ -n "$download_url" ] || need_repo
# sums_entry: the sha256 SHA256SUMS lists for the archive.
sums_entry() {
  awk -v name="$archive" '$2 == name || $2 == "*" name { print $1 }' "$work/SHA256SUMS"
}
if [ "$moving" = true ]; then
  # A moving release is cached under its name: the cached copy is used only
  # while it is still the archive the release lists.
  download_asset SHA256SUMS "$work/SHA256SUMS" \
    || no_release "$download_url has no release $version ($version/SHA256SUMS)"
  listed=$(sums_entry)
  if [ -n "$listed" ] && [ -f "$dest/.complete" ] && [ "$(cat "$dest/.complete")" = "$listed" ]; then
    echo "Using cached portfolio-ci $version (sha256 $listed, still the release's archive) from the tool cache"
    use_dir "$dest" "$version"
    exit 0
  fi
fi
status=0
download_asset "$archive" "$work/$archive" || status=$?
if [ "$status" -ne 0 ]; then
  hint=
  if [ -z "$download_url" ] && [ -z "$token" ]; then
    hint=" (without a token: a private repository's releases only download through the API with one)"
  elif [ -z "$download_url" ]; then
    hint=" (or the token cannot read $repo: github.token reads only the workflow's own repository; pass token with one that has contents: read on $repo)"
  fi
  no_release "release $version of ${repo:-$download_url} has no $archive$hint"
fi
[ -s "$work/SHA256SUMS" ] || download_asset SHA256SUMS "$work/SHA256SUMS" \
  || fail "the release $version has no SHA256SUMS: refusing an unverified archive"

expected=$(sums_entry)
[ -n "$expected" ] || fail "SHA256SUMS of $version has no entry for $archive: refusing an unverified archive"
actual=$(sha256_of "$work/$archive")
if [ "$expected" != "$actual" ]; then
  fail "checksum mismatch for $archive: SHA256SUMS says $expected, the download is $actual. The archive was NOT installed."
fi
echo "Verified $archive (sha256 $actual)"

mkdir -p "$work/unpacked" "$(dirname "$dest")"
tar -xzf "$work/$archive" -C "$work/unpacked" --strip-components=1 || fail "$archive is not a valid archive"
echo "$actual" > "$work/unpacked/.complete"
rm -rf "$dest"
mv "$work/unpacked" "$dest"
use_dir "$dest" "$version"
