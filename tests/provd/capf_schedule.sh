#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Schedule wrapper for tests/capfclient/capf_scenarios.py --schedule-cmd
# (docs/provisioning-tests.md, test_prov_capf.py): maps
#
#     capf_schedule.sh DEVICE OP AUTH [PASSWORD] [KEYSPEC]
#
# onto `shieldlockctl capf set DEVICE --OP --auth AUTH [--key KEYSPEC]
# [--password-stdin]` against a running shieldlockd, adding the device first
# when the daemon does not know it (the scenarios invent device names).
# The password goes through stdin, never through shieldlockctl's arguments.
#
# Environment (set by test_prov_capf.py):
#   SHIELDLOCKCTL        the shieldlockctl binary
#   CAPF_ADMIN_SOCKET    the daemon's admin socket
#   CAPF_USER            the user new devices belong to
#   CAPF_PROFILE         their security profile (default: authenticated)
#
# The scenario runner passes PASSWORD only when it has one (auth password)
# and KEYSPEC only when it has one, so the 4th argument is the password
# exactly when AUTH is password.
set -eu

if [ $# -lt 3 ]; then
	echo "usage: $0 DEVICE install|fetch|delete|none AUTH [PASSWORD] [KEYSPEC]" >&2
	exit 2
fi
: "${SHIELDLOCKCTL:?set SHIELDLOCKCTL to the shieldlockctl binary}"
: "${CAPF_ADMIN_SOCKET:?set CAPF_ADMIN_SOCKET to the daemon admin socket}"
: "${CAPF_USER:?set CAPF_USER to the user new devices belong to}"
profile=${CAPF_PROFILE:-authenticated}

dev=$1
op=$2
auth=$3
shift 3
pw=
havepw=no
if [ "$auth" = password ] && [ $# -ge 1 ]; then
	pw=$1
	havepw=yes
	shift
fi
key=${1:-}

case $op in
install | fetch | delete | none) ;;
*)
	echo "$0: operation '$op' is not install, fetch, delete or none" >&2
	exit 2
	;;
esac

ctl() {
	"$SHIELDLOCKCTL" --daemon-socket "$CAPF_ADMIN_SOCKET" "$@"
}

if ! ctl device show "$dev" >/dev/null 2>&1; then
	ctl device add "$dev" --user "$CAPF_USER" --profile "$profile" >/dev/null
fi

set -- capf set "$dev" "--$op" --auth "$auth"
if [ -n "$key" ]; then
	set -- "$@" --key "$key"
fi
if [ "$havepw" = yes ]; then
	printf '%s\n' "$pw" | ctl "$@" --password-stdin
else
	ctl "$@" </dev/null
fi
