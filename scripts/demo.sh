#!/usr/bin/env bash
# Shieldlock's main job until the control plane exists: install, build, then
#  1. the data plane at work: the virtual NIC rig (docs/rig.md) with
#     shieldlock-dp between a phone side and a trunk side, and
#     shieldlock-gen playing 200 G.711 calls through it for 10 s in each
#     direction of encryption (RTP->SRTP, SRTP->RTP, SRTP->SRTP with a key
#     per leg), verifying every packet that comes out (needs root);
#  2. the SRTP benchmark: our SRTP core on every crypto engine against
#     Debian's libsrtp2, measured in the same run; it rewrites the SRTP
#     section of docs/benchmarks.md with the figures, the command and plots.
# Extra arguments go to `shieldlock-bench srtp` (try --help, or --quick).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
if [ ! -f build/build.ninja ]; then
	meson setup build -Dbuildtype=release >/dev/null
fi
ninja -C build | tail -n 1

if [ "$(id -u)" -eq 0 ]; then
	export SHIELDLOCK_BUILD=$PWD/build
	rig=tools/rig/shieldlock-rig
	trap '"$rig" down >/dev/null 2>&1 || true' EXIT
	echo "== the data plane in the virtual NIC rig"
	"$rig" up
	for scen in rtp-srtp srtp-rtp srtp-srtp; do
		echo "== shieldlock-gen: 200 calls, $scen, 10 s"
		ip netns exec sl-phone ./build/tools/gen/shieldlock-gen -l 0 --no-pci --no-huge \
			-m 256 --file-prefix sl-demo-gen --no-shconf --no-telemetry \
			--log-level='*:warning' --vdev net_af_packet0,iface=phone0 -- \
			--attach sl-trunk:net_af_packet1,iface=trunk0 --tx-port 0 --rx-port 1 \
			--dp-socket /run/shieldlock/rig-dp.sock --dp-in-port 0 --dp-out-port 1 \
			--scenario "$scen" --calls 200 --duration 10
	done
	./build/tools/ctl/shieldlockctl --socket /run/shieldlock/rig-dp.sock dp stats
	"$rig" down
	trap - EXIT
else
	echo "demo: not root: skipping the data plane demo (the rig needs network namespaces)"
fi

echo "== the SRTP benchmark"
exec ./build/tools/bench/shieldlock-bench srtp "$@"
