#!/usr/bin/env bash
# shieldlock-gen over the rig's veths (issue 3 §5: the generator works over
# net_memif and over the rig): per scenario, N calls for a few seconds from
# the phone side to the trunk side through shieldlock-dp on net_af_packet;
# the generator programs the flows, verifies every packet that comes back
# (decrypting with the leg's key) and exits non-zero on loss or a failure.
#   gen_over_rig.sh RIG_SCRIPT GEN SCENARIO...
set -euo pipefail
rig=$1 gen=$2
shift 2
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: the rig needs root (network namespaces)"
	exit 77
fi
trap '"$rig" down >/dev/null 2>&1 || true' EXIT
"$rig" down >/dev/null 2>&1 || true
"$rig" up >/dev/null
sock=/run/shieldlock/rig-dp.sock
rc=0
for scen in "$@"; do
	out=$(mktemp)
	if ip netns exec sl-phone "$gen" -l 0 --no-pci --no-huge -m 256 \
		--file-prefix sl-gen-rig-$$ --no-shconf --no-telemetry --log-level='*:warning' \
		--vdev net_af_packet0,iface=phone0 -- \
		--attach sl-trunk:net_af_packet1,iface=trunk0 --tx-port 0 --rx-port 1 \
		--dp-socket "$sock" --dp-in-port 0 --dp-out-port 1 \
		--scenario "$scen" --calls 50 --duration 3 --quiet --json "$out.json" >"$out" 2>&1; then
		echo "PASS: $scen: $(grep -E '^  (loss|verify) ' "$out" | tr -s ' ' | tr '\n' ';')"
	else
		echo "FAIL: $scen (exit $?)"
		cat "$out"
		rc=1
	fi
	rm -f "$out" "$out.json"
done
exit $rc
