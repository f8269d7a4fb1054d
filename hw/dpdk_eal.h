/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One place that initialises DPDK's EAL for Shieldlock, and the registry of
 * crypto devices shared by cryptodev engine instances.
 *
 * A process initialises EAL exactly once. Programs with their own EAL
 * arguments (the data plane) call sl_dpdk_eal_init() with them; tools and
 * tests that only need a software crypto device call
 * sl_dpdk_eal_init_vdevs(), which builds a small, quiet argument list:
 *
 *   <prog> --no-huge -m 512 --no-pci -l 0 --file-prefix sl-<pid>
 *          --no-shconf --no-telemetry --log-level=*:error
 *          [--vdev <name>]... [SL_EAL_ARGS...]
 *
 * --no-shconf keeps /var/run/dpdk clean (the empty runtime directory is
 * removed after init), so tests can run any number of times.
 *
 * SL_EAL_ARGS (environment, space separated) adds arguments and replaces the
 * defaults it overlaps: "--in-memory" (hugepages; see PLATFORM-NOTES, it
 * cannot be combined with --no-huge) drops "--no-huge -m 512", "-l"/"--lcores"
 * drops "-l 0", "--file-prefix" replaces ours, "-a"/"--allow"/"-b" drops
 * "--no-pci", "--proc-type" drops "--no-shconf", "--log-level" is applied
 * after ours.
 * Example: SL_EAL_ARGS="--in-memory" with /proc/sys/vm/nr_hugepages > 0.
 */
#ifndef SL_HW_DPDK_EAL_H
#define SL_HW_DPDK_EAL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Initialises EAL with argv (argv[0] is the program name). Returns the
 * number of arguments EAL consumed on the call that initialised it, 0 if EAL
 * was already initialised (by us or by the application), or -errno with a
 * message on stderr. Thread-safe.
 */
int sl_dpdk_eal_init(int argc, char **argv);

/*
 * Initialises EAL for a tool or test with one --vdev per name (see above).
 * Returns 0 (also when EAL was already up: the vdevs are then not created
 * here; sl_dpdk_cryptodev_acquire creates missing crypto devices) or -errno.
 */
int sl_dpdk_eal_init_vdevs(const char *prog, const char *const *vdevs, unsigned n);

/* Non-zero once EAL is initialised in this process. */
int sl_dpdk_eal_ready(void);

/*
 * Crypto devices shared by several engine instances (one queue pair each).
 * The first acquire of a device initialises EAL if needed (no vdevs),
 * creates the device on the vdev bus if it does not exist, configures
 * nb_qp queue pairs (0: the PMD's maximum, at most 64), creates its session
 * pool of `sessions` entries and starts it. Every acquire reserves one free
 * queue pair. The last release stops and closes the device and frees the
 * pool (unless sessions are still alive: then it is left running).
 * Returns 0 or -errno with a message on stderr. Control path, thread-safe.
 */
struct rte_mempool;
struct sl_dpdk_cdev {
	uint8_t dev_id;
	uint16_t qp;
	struct rte_mempool *sess_pool;
};
int sl_dpdk_cryptodev_acquire(const char *name, uint32_t nb_qp, uint32_t sessions,
			      struct sl_dpdk_cdev *out);
void sl_dpdk_cryptodev_release(const struct sl_dpdk_cdev *cd);

#ifdef __cplusplus
}
#endif
#endif
