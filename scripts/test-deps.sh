#!/usr/bin/env bash
# Sourced by test.sh: brings the system tools some suites need, on a Debian machine as root,
# when they are missing — a PostgreSQL server (thread-store-postgres, cli export/import),
# strace (the real-fsync durability test), less (the CLI's default pager, on a pseudo-terminal),
# zsh and fish (the CLI's completion scripts run in them) and Chromium (browser tests, driven by
# playwright-core through /usr/bin/chromium). Elsewhere nothing is installed: the suites that
# need a missing tool skip with their reason (and under SKEIN_NO_SKIP=1 a skip is a failure).
have_postgres() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null 2>&1
}
skein_missing_packages() {
  local missing=() pair
  have_postgres || missing+=(postgresql)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # command:Debian package — strace (real-fsync test), sqlite3 (index checks from outside),
  # zsh/fish (completion tests), ip/unshare/nsenter (the interop network namespace),
  # script/flock/less (terminal, lock and pager tests).
  for pair in strace:strace sqlite3:sqlite3 zsh:zsh fish:fish ip:iproute2 unshare:util-linux \
              nsenter:util-linux flock:util-linux script:bsdutils less:less; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ' | sed 's/ *$//'
}
skein_install_test_deps() {
  local missing; missing=$(skein_missing_packages)
  [ -n "$missing" ] || return 0
  if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
    echo "note: missing $missing (not root on Debian: not installed; the suites that need them skip with a reason)" >&2
    return 0
  fi
  echo "installing test tools (Debian packages): $missing"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 \
    || echo "warning: could not install $missing; the suites that need them skip with a reason" >&2
}
skein_install_test_deps
