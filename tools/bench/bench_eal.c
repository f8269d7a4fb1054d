/* SPDX-License-Identifier: BSD-3-Clause */
/* EAL for the cryptodev engine: one crypto_aesni_mb vdev, then re-pin. */
#include <stdio.h>

#include "bench.h"
#include "dpdk_eal.h"

int bench_eal_init(int core)
{
	static const char *const vdevs[] = { "crypto_aesni_mb" };
	int rc = sl_dpdk_eal_init_vdevs("shieldlock-bench", vdevs, 1);

	if (rc < 0) {
		fprintf(stderr, "shieldlock-bench: EAL initialisation failed (%d)\n", rc);
		return rc;
	}
	/* EAL binds this thread to lcore 0's CPU: move it back to ours. */
	return bench_pin(core);
}
