#!/usr/bin/env bash
# Checks the systemd packaging of the daemon (scripts/test.sh runs it; systemd need not be
# PID 1, everything here works on files):
#   - `systemd-analyze verify` of trestle-relayer.service: any warning fails (verify itself
#     exits 0 on an unknown key or a bad value, so its output is what counts);
#   - the hardening issue 15 asks for is there, line by line (below);
#   - `systemd-analyze security --offline=yes`: fails when the exposure level is above
#     $TRESTLE_UNIT_MAX_EXPOSURE, default 1.2 (systemd 252 rates the unit 1.1; without its
#     User=, SystemCallFilter=, CapabilityBoundingSet=, RestrictNamespaces= or
#     RestrictAddressFamilies= lines it rates 1.4 to 2.8). A unit loosened on purpose raises
#     the default here, saying why;
#   - `systemd-sysusers` of sysusers.d/trestle.conf into a scratch root: the user is made.
# verify needs the ExecStart binary to exist: the unit is checked as is, except that its
# ExecStart runs the built binary (default $CARGO_TARGET_DIR/debug/trestle; or give its path)
# instead of /usr/local/bin/trestle.
#
#   packaging/systemd/check.sh [PATH-TO-trestle]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"

here="$TRESTLE_REPO/packaging/systemd"
unit="trestle-relayer.service"
installed_bin="/usr/local/bin/trestle"
bin="${1:-$CARGO_TARGET_DIR/debug/trestle}"
max_exposure="${TRESTLE_UNIT_MAX_EXPOSURE:-1.2}"

command -v systemd-analyze >/dev/null && command -v systemd-sysusers >/dev/null ||
    apt_install systemd
[ -x "$bin" ] || die "$bin is not an executable: build it first (cargo build --locked -p trestle-cli)"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# The unit with only its binary's path changed, under the same file name.
mkdir -p "$scratch/unit"
sed "s#^ExecStart=$installed_bin #ExecStart=$bin #" "$here/$unit" >"$scratch/unit/$unit"
[ "$(grep -c "^ExecStart=$bin relayer run " "$scratch/unit/$unit")" -eq 1 ] ||
    die "$unit: expected one ExecStart=$installed_bin relayer run ..."

# The settings the unit promises (packaging/README.md, "The unit"), exactly as written.
required=(
    "User=trestle" "Group=trestle" "StateDirectory=trestle" "UMask=0077"
    "NoNewPrivileges=yes" "CapabilityBoundingSet=" "AmbientCapabilities="
    "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" "PrivateDevices=yes"
    "PrivateUsers=yes" "ProtectKernelTunables=yes" "ProtectKernelModules=yes"
    "ProtectKernelLogs=yes" "ProtectControlGroups=yes" "ProtectClock=yes"
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "RestrictNamespaces=yes"
    "RestrictSUIDSGID=yes" "LockPersonality=yes" "MemoryDenyWriteExecute=yes"
    "SystemCallArchitectures=native" "SystemCallFilter=@system-service"
    "KillSignal=SIGTERM" "Restart=on-failure"
)
missing=()
for line in "${required[@]}"; do
    grep -qxF "$line" "$here/$unit" || missing+=("$line")
done
[ ${#missing[@]} -eq 0 ] || die "$unit lacks: ${missing[*]}"
info "$unit: the ${#required[@]} required settings are there"

info "systemd-analyze verify $unit (ExecStart=$bin ...)"
if ! out="$(systemd-analyze verify --man=no --generators=no "$scratch/unit/$unit" 2>&1)" ||
    [ -n "$out" ]; then
    printf '%s\n' "$out" >&2
    die "systemd-analyze verify: $unit has errors or warnings (above)"
fi

# --threshold takes tenths: 1.2 -> 12.
threshold="$(awk -v x="$max_exposure" 'BEGIN { printf "%d", x * 10 + 0.5 }')"
status=0
out="$(systemd-analyze security --offline=yes --threshold="$threshold" --no-pager \
    "$scratch/unit/$unit" 2>&1)" || status=$?
overall="$(grep -E 'Overall exposure level' <<<"$out" || true)"
[ -n "$overall" ] || {
    printf '%s\n' "$out" >&2
    die "systemd-analyze security printed no exposure level"
}
# What is still exposed (the rows marked ✗, or - in a non-UTF-8 locale), then the score.
grep -E '^(✗|- )' <<<"$out" | sed -E 's/ +/ /g; s/^(✗|-) /    exposed: /' || true
info "$(sed -E 's/^(→|->) //' <<<"$overall") (threshold $max_exposure)"
[ "$status" -eq 0 ] || die "$unit: exposure above $max_exposure (systemd-analyze security exit $status)"

info "systemd-sysusers sysusers.d/trestle.conf (scratch root)"
mkdir -p "$scratch/root/etc/sysusers.d"
cp "$here/sysusers.d/trestle.conf" "$scratch/root/etc/sysusers.d/"
systemd-sysusers --root="$scratch/root" >"$scratch/sysusers.log" 2>&1 || {
    cat "$scratch/sysusers.log" >&2
    die "systemd-sysusers failed on sysusers.d/trestle.conf"
}
grep -qE '^trestle:x:[0-9]+:[0-9]+:[^:]*:/var/lib/trestle:/usr/sbin/nologin$' "$scratch/root/etc/passwd" ||
    die "sysusers.d/trestle.conf did not make the system user trestle (home /var/lib/trestle, no shell)"
grep -qE '^trestle:x:[0-9]+:$' "$scratch/root/etc/group" ||
    die "sysusers.d/trestle.conf did not make the group trestle"
info "ok: user and group trestle"
