#!/usr/bin/env bash
# Shieldlock's main job: install, build, then
#   - a phone identity enrolls through CAPF: the test client plays the phone
#     (authentication string, key generation, LSC), then fetches its trust
#     list and encrypted configuration over TFTP, verifies them and decrypts
#     the configuration with its new key (docs/provisioning.md);
# then one encrypted call through the whole appliance in the virtual NIC rig
# (docs/e2e.md, docs/rig.md):
#   - the rig comes up with shieldlock-dp between a phone side and a trunk side;
#   - shieldlockd starts (first start: CA, node certificate, master key);
#   - users alice and bob and their devices (security profile "encrypted",
#     client certificates) are added with shieldlockctl;
#   - two baresip phones register over TLS with digest (401, then 200);
#   - alice calls bob: SDES-SRTP on both legs with different keys per leg,
#     media re-keyed by the data plane (srtp-rekey);
#   - the call's security status, the suite of each leg, the data-plane
#     counters and the audio check of what each phone heard are printed;
#   - hang-up, every flow removed, everything torn down.
# Then, shorter: shieldlock-gen plays 200 calls through the data plane in
# each direction of encryption and verifies every packet.
# Needs root (network namespaces). Extra arguments: --call-seconds N.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
if [ ! -f build/build.ninja ]; then
	meson setup build -Dbuildtype=release >/dev/null
fi
ninja -C build | tail -n 1

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root: the rig uses network namespaces (run: sudo bash scripts/demo.sh)" >&2
	exit 1
fi
export SHIELDLOCK_BUILD=$PWD/build
rig=tools/rig/shieldlock-rig
trap '"$rig" down >/dev/null 2>&1 || true' EXIT

echo "== 1. a phone enrolls through CAPF and fetches its signed, encrypted configuration"
SHIELDLOCKD=$PWD/build/controlplane/sipd/shieldlockd SHIELDLOCKCTL=$PWD/build/tools/ctl/shieldlockctl \
	/usr/bin/python3 tests/provd/enroll_demo.py

echo
echo "== 2. an encrypted call between two baresip phones through shieldlockd and shieldlock-dp"
bash tests/e2e/e2e_call.sh --rig "$rig" --shieldlockd build/controlplane/sipd/shieldlockd \
	--ctl build/tools/ctl/shieldlockctl --dp build/dataplane/dp/shieldlock-dp \
	--audio-check build/tests/e2e/audio_check --call-seconds 10 "$@"

echo
echo "== 3. the data plane under load: shieldlock-gen, 200 calls per scenario, 10 s each"
"$rig" up
for scen in rtp-srtp srtp-rtp srtp-srtp; do
	echo "-- $scen"
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
echo
echo "demo: done. Benchmarks: ./build/tools/bench/shieldlock-bench srtp | dp | calls (docs/benchmarks.md)"
