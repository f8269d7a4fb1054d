/* SPDX-License-Identifier: BSD-3-Clause */
/* EAL initialisation shared by the cryptodev engine, tools and tests, and
 * the crypto devices that cryptodev engine instances share. */
#ifndef ALLOW_EXPERIMENTAL_API
#define ALLOW_EXPERIMENTAL_API 1 /* rte_cryptodev_sym_session_pool_create */
#endif
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cryptodev.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "dpdk_eal.h"

#define MAX_EXTRA_ARGS 64

static pthread_mutex_t eal_lock = PTHREAD_MUTEX_INITIALIZER;
static int eal_up;
static int eal_failed;              /* -errno of our failed rte_eal_init */
/* The argument vector built by sl_dpdk_eal_init_vdevs stays alive (EAL may
 * keep pointers into it); held here so leak checkers see it reachable. */
static char **volatile kept_argv;
static char *volatile kept_env;

/* Before rte_eal_init the lcore count is 0; an application may have
 * initialised EAL itself, which we must not try again. */
int sl_dpdk_eal_ready(void)
{
	if (__atomic_load_n(&eal_up, __ATOMIC_ACQUIRE))
		return 1;
	return !__atomic_load_n(&eal_failed, __ATOMIC_ACQUIRE) && rte_lcore_count() > 0;
}

static void print_args(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		fprintf(stderr, "%s%s", i ? " " : "", argv[i]);
	fputc('\n', stderr);
}

int sl_dpdk_eal_init(int argc, char **argv)
{
	char **copy = NULL;
	int rc = 0;

	pthread_mutex_lock(&eal_lock);
	if (sl_dpdk_eal_ready())
		goto out;
	if (eal_failed) {
		fprintf(stderr, "dpdk: EAL initialisation failed earlier in this process and "
			"cannot be retried; restart with corrected arguments\n");
		rc = eal_failed;
		goto out;
	}
	/* rte_eal_init permutes argv: keep the order for the error message. */
	copy = calloc((size_t)argc + 1, sizeof(*copy));
	if (copy)
		memcpy(copy, argv, (size_t)argc * sizeof(*copy));
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		int err = rte_errno ? rte_errno : EIO;

		if (err == EALREADY) {
			rc = 0;
		} else {
			fprintf(stderr, "dpdk: EAL initialisation failed: %s\n  args: ",
				rte_strerror(err));
			print_args(argc, copy ? copy : argv);
			rc = -err;
			__atomic_store_n(&eal_failed, rc, __ATOMIC_RELEASE);
			goto out;
		}
	}
	__atomic_store_n(&eal_up, 1, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&eal_lock);
	free(copy);
	return rc;
}

/* Does the user's token list contain option `name`? Long options match
 * "--name" and "--name=...", short ones "-x" and "-xVALUE". */
static int has_opt(char *const *tok, int n, const char *name)
{
	size_t len = strlen(name);

	for (int i = 0; i < n; i++) {
		if (strncmp(tok[i], name, len) != 0)
			continue;
		if (name[1] != '-' || tok[i][len] == '\0' || tok[i][len] == '=')
			return 1;
	}
	return 0;
}

static int split_env(char *buf, char **tok)
{
	char *save = NULL;
	int n = 0;

	for (char *t = strtok_r(buf, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
		if (n == MAX_EXTRA_ARGS)
			return -E2BIG;
		tok[n++] = t;
	}
	return n;
}

static void push(char **argv, int *argc, const char *s)
{
	argv[(*argc)++] = (char *)s;
}

/* Our defaults, minus those the user's extra tokens override. */
static void push_defaults(char **argv, int *argc, char *const *x, int nx,
			  const char *prefix)
{
	int huge = has_opt(x, nx, "--in-memory") || has_opt(x, nx, "--no-huge") ||
		   has_opt(x, nx, "--huge-dir") || has_opt(x, nx, "--socket-mem");

	if (!huge)
		push(argv, argc, "--no-huge");
	if (!huge && !has_opt(x, nx, "-m")) {
		push(argv, argc, "-m");
		push(argv, argc, "512");
	}
	if (!has_opt(x, nx, "-a") && !has_opt(x, nx, "--allow") && !has_opt(x, nx, "-b") &&
	    !has_opt(x, nx, "--block"))
		push(argv, argc, "--no-pci");
	if (!has_opt(x, nx, "-l") && !has_opt(x, nx, "--lcores") && !has_opt(x, nx, "-c")) {
		push(argv, argc, "-l");
		push(argv, argc, "0");
	}
	if (!has_opt(x, nx, "--file-prefix")) {
		push(argv, argc, "--file-prefix");
		push(argv, argc, prefix);
	}
	/* No shared-config files: a test run leaves nothing in /var/run/dpdk
	 * (implied by --in-memory; multi-process users pass --proc-type). */
	if (!has_opt(x, nx, "--in-memory") && !has_opt(x, nx, "--proc-type"))
		push(argv, argc, "--no-shconf");
	if (!has_opt(x, nx, "--telemetry"))
		push(argv, argc, "--no-telemetry");
	push(argv, argc, "--log-level=*:error");
}

int sl_dpdk_eal_init_vdevs(const char *prog, const char *const *vdevs, unsigned n)
{
	const char *env = getenv("SL_EAL_ARGS");
	char *extra[MAX_EXTRA_ARGS], prefix[32], *envbuf = NULL;
	char **argv;
	int argc = 0, nx = 0, rc;

	if (sl_dpdk_eal_ready())
		return 0;
	if (env) {
		envbuf = strdup(env);
		if (!envbuf)
			return -ENOMEM;
		nx = split_env(envbuf, extra);
		if (nx < 0) {
			fprintf(stderr, "dpdk: SL_EAL_ARGS has more than %d arguments\n",
				MAX_EXTRA_ARGS);
			rc = nx;
			goto err_env;
		}
	}
	argv = calloc(16 + 2 * (size_t)n + (size_t)nx + 1, sizeof(*argv));
	if (!argv) {
		rc = -ENOMEM;
		goto err_env;
	}
	snprintf(prefix, sizeof(prefix), "sl-%ld", (long)getpid());
	push(argv, &argc, prog ? prog : "shieldlock");
	push_defaults(argv, &argc, extra, nx, prefix);
	for (unsigned i = 0; i < n; i++) {
		push(argv, &argc, "--vdev");
		push(argv, &argc, vdevs[i]);
	}
	for (int i = 0; i < nx; i++)
		push(argv, &argc, extra[i]);
	rc = sl_dpdk_eal_init(argc, argv);
	if (rc > 0)
		rc = 0;
	/* Without shared config the runtime directory is empty (also when
	 * init failed): remove it so runs leave nothing in /var/run/dpdk. */
	if (!has_opt(extra, nx, "--proc-type") && rte_eal_get_runtime_dir()[0])
		rmdir(rte_eal_get_runtime_dir());
	if (rc == 0) {
		kept_argv = argv;
		kept_env = envbuf;
		return 0;
	}
	free(argv);
err_env:
	free(envbuf);
	return rc;
}

/* ---- crypto devices shared by engine instances ------------------------- */

#define MAX_CDEVS       8
#define MAX_QP          64          /* qp_busy bitmap width */
#define QP_DESCRIPTORS  2048

struct cdev {
	int used;
	uint8_t dev_id;
	uint16_t nb_qp;
	uint32_t users;
	uint64_t qp_busy;
	struct rte_mempool *sess_pool;
};

static pthread_mutex_t cdevs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cdev cdevs[MAX_CDEVS];

static int create_vdev(const char *name)
{
	int rc;

	/* EAL comes up without the device, which is then hot-plugged: a
	 * mistyped name fails only this device, not DPDK for the process. */
	if (!sl_dpdk_eal_ready()) {
		rc = sl_dpdk_eal_init_vdevs("shieldlock", NULL, 0);
		if (rc < 0)
			return rc;
	}
	if (rte_cryptodev_get_dev_id(name) >= 0)
		return 0;
	/* Same as rte_vdev_init(name, NULL), through EAL's hotplug API:
	 * Debian's libdpdk.pc does not link the vdev bus library. */
	rc = rte_eal_hotplug_add("vdev", name, "");
	if (rc < 0 || rte_cryptodev_get_dev_id(name) < 0) {
		fprintf(stderr, "dpdk: crypto device '%s' does not exist and creating it on the "
			"vdev bus failed (%s); is it a crypto PMD name such as crypto_aesni_mb, "
			"crypto_aesni_gcm or crypto_openssl?\n", name,
			rc < 0 ? strerror(-rc) : "no cryptodev created");
		return -ENODEV;
	}
	return 0;
}

static int setup_qps(const char *name, struct cdev *d, int socket)
{
	struct rte_cryptodev_qp_conf qc = {
		.nb_descriptors = QP_DESCRIPTORS,
		.mp_session = d->sess_pool,
	};

	for (uint16_t q = 0; q < d->nb_qp; q++) {
		int rc = rte_cryptodev_queue_pair_setup(d->dev_id, q, &qc, socket);

		if (rc < 0) {
			fprintf(stderr, "dpdk: %s: queue pair %u setup failed: %s\n", name, q,
				strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int configure(const char *name, struct cdev *d, uint32_t nb_qp, int socket)
{
	struct rte_cryptodev_info info;
	struct rte_cryptodev_config conf = { 0 };
	uint32_t max;
	int rc;

	rte_cryptodev_info_get(d->dev_id, &info);
	max = info.max_nb_queue_pairs < MAX_QP ? info.max_nb_queue_pairs : MAX_QP;
	if (nb_qp > max)
		fprintf(stderr, "dpdk: %s offers %u queue pairs; using %u\n", name, max, max);
	d->nb_qp = (uint16_t)(nb_qp && nb_qp < max ? nb_qp : max);
	conf.socket_id = socket;
	conf.nb_queue_pairs = d->nb_qp;
	conf.ff_disable = RTE_CRYPTODEV_FF_ASYMMETRIC_CRYPTO | RTE_CRYPTODEV_FF_SECURITY;
	rc = rte_cryptodev_configure(d->dev_id, &conf);
	if (rc < 0)
		fprintf(stderr, "dpdk: configuring %s failed: %s\n", name, strerror(-rc));
	return rc;
}

static int start_dev(const char *name, struct cdev *d, uint32_t nb_qp, uint32_t sessions)
{
	char pname[RTE_MEMPOOL_NAMESIZE];
	int socket = rte_cryptodev_socket_id(d->dev_id), rc;
	unsigned size;

	if (socket < 0)
		socket = SOCKET_ID_ANY;
	rc = configure(name, d, nb_qp, socket);
	if (rc < 0)
		return rc;
	snprintf(pname, sizeof(pname), "sl_sess_%u", d->dev_id);
	size = rte_cryptodev_sym_get_private_session_size(d->dev_id);
	d->sess_pool = rte_cryptodev_sym_session_pool_create(pname, sessions, size, 0, 0,
							     socket);
	if (!d->sess_pool) {
		fprintf(stderr, "dpdk: cannot allocate %u sessions for %s (about %llu MiB; %s): "
			"lower sessions= or give DPDK more memory (-m, or hugepages with "
			"SL_EAL_ARGS=--in-memory)\n", sessions, name,
			((unsigned long long)sessions * (size + 192)) >> 20, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	rc = setup_qps(name, d, socket);
	if (rc == 0 && (rc = rte_cryptodev_start(d->dev_id)) < 0)
		fprintf(stderr, "dpdk: starting %s failed: %s\n", name, strerror(-rc));
	if (rc < 0) {
		rte_mempool_free(d->sess_pool);
		return rc;
	}
	d->used = 1;
	return 0;
}

static struct cdev *find_cdev(uint8_t dev_id)
{
	for (int i = 0; i < MAX_CDEVS; i++)
		if (cdevs[i].used && cdevs[i].dev_id == dev_id)
			return &cdevs[i];
	return NULL;
}

static struct cdev *new_cdev(const char *name, uint8_t dev_id, uint32_t nb_qp,
			     uint32_t sessions, int *rc)
{
	for (int i = 0; i < MAX_CDEVS; i++) {
		struct cdev *d = &cdevs[i];

		if (d->used)
			continue;
		memset(d, 0, sizeof(*d));
		d->dev_id = dev_id;
		*rc = start_dev(name, d, nb_qp, sessions);
		return *rc < 0 ? NULL : d;
	}
	fprintf(stderr, "dpdk: more than %d crypto devices in use\n", MAX_CDEVS);
	*rc = -ENOSPC;
	return NULL;
}

int sl_dpdk_cryptodev_acquire(const char *name, uint32_t nb_qp, uint32_t sessions,
			      struct sl_dpdk_cdev *out)
{
	struct cdev *d;
	int rc, id;

	pthread_mutex_lock(&cdevs_lock);  /* also serialises creating the vdev */
	rc = create_vdev(name);
	if (rc < 0)
		goto out;
	id = rte_cryptodev_get_dev_id(name);
	d = find_cdev((uint8_t)id);
	if (!d && !(d = new_cdev(name, (uint8_t)id, nb_qp, sessions, &rc)))
		goto out;
	for (uint16_t q = 0; q < d->nb_qp; q++) {
		if (!(d->qp_busy & (1ull << q))) {
			d->qp_busy |= 1ull << q;
			d->users++;
			out->dev_id = d->dev_id;
			out->qp = q;
			out->sess_pool = d->sess_pool;
			goto out;
		}
	}
	fprintf(stderr, "dpdk: all %u queue pairs of %s are in use (the first engine opened "
		"on a device sets their number with qp=N)\n", d->nb_qp, name);
	rc = -EBUSY;
out:
	pthread_mutex_unlock(&cdevs_lock);
	return rc;
}

void sl_dpdk_cryptodev_release(const struct sl_dpdk_cdev *cd)
{
	struct cdev *d;
	unsigned live;

	pthread_mutex_lock(&cdevs_lock);
	d = find_cdev(cd->dev_id);
	if (!d || !(d->qp_busy & (1ull << cd->qp)))
		goto out;
	d->qp_busy &= ~(1ull << cd->qp);
	if (--d->users)
		goto out;
	live = rte_mempool_in_use_count(d->sess_pool);
	if (live) {
		/* Sessions their owners never cleared: keep device and pool
		 * rather than leave them dangling. */
		fprintf(stderr, "dpdk: %u crypto sessions still alive on device %u; "
			"leaving it running\n", live, d->dev_id);
		goto out;
	}
	rte_cryptodev_stop(d->dev_id);
	rte_cryptodev_close(d->dev_id);
	rte_mempool_free(d->sess_pool);
	memset(d, 0, sizeof(*d));
out:
	pthread_mutex_unlock(&cdevs_lock);
}
