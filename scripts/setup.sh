#!/usr/bin/env bash
# Installs every Debian 12 package Shieldlock needs to build, test and benchmark.
# Idempotent and non-interactive; run as root (or through sudo).
set -euo pipefail

PACKAGES=(
  # build
  build-essential meson ninja-build pkg-config
  # crypto engines and data plane
  libdpdk-dev dpdk libipsec-mb-dev libssl-dev openssl
  # dpdk-telemetry.py (telemetry client)
  dpdk-dev
  # virtual NIC rig: namespaces, veths, offload control, captures, packet crafting
  iproute2 ethtool tcpdump python3-scapy
  # SRTP oracle and baseline, capture I/O
  libsrtp2-dev libpcap-dev
  # control plane: event loop with OpenSSL bufferevents, the store
  libevent-dev libsqlite3-dev sqlite3
  # SIP interop peers and tools: baresip (TLS + SDES-SRTP phones), SIPp (load),
  # stunnel4 (TLS for SIPp), sox (test tones), tshark (SIP-over-TLS decoding)
  baresip-core sip-tester stunnel4 sox tshark
  # provisioning (issue 5): PKCS#11 tokens (SoftHSM2 + OpenSC tools, p11-kit
  # for RFC 7512 URIs), TFTP/HTTP clients for the fetch tests, the CAPF test
  # client's crypto
  softhsm2 opensc p11-kit libp11-kit-dev tftp-hpa curl python3-cryptography
  # tests
  check clang-14 libclang-rt-14-dev llvm-14 python3
  # benchmarks
  linux-perf
)

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo -E "$0" "$@"
  fi
  echo "setup.sh: must run as root to install packages (or install sudo)" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

echo "setup: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: done"
