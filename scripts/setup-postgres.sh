#!/usr/bin/env bash
# Installs PostgreSQL (server binaries only: initdb, pg_ctl, postgres) and openssl for the
# relayer's store tests, idempotently. The tests start their own throw-away server on a free
# loopback port in a temporary directory (as the `postgres` user when run as root) and stop it
# when done; nothing here starts a service. A second run is a no-op.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

step "PostgreSQL (for the relayer store tests)"
find_initdb() {
    command -v initdb 2>/dev/null && return 0
    ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1
}
if [ -z "$(find_initdb)" ]; then
    apt_install postgresql
fi
# The TLS tests (relayer/tests/it/store_tls.rs) make their CA and certificates with it.
command -v openssl >/dev/null 2>&1 || apt_install openssl
initdb="$(find_initdb)"
[ -n "$initdb" ] && [ -x "$initdb" ] || die "initdb not found after installing postgresql"
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    # The Debian package creates this user; a hand-made installation may not have.
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi
info "$("$initdb" --version) at $(dirname "$initdb")"
