/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockd: the control plane's privileged parent (ARCHITECTURE.md §4).
 *
 *   parent  reads the configuration, owns the master key and the SQLite
 *           store, serves the admin socket, pushes directory snapshots to
 *           the sip child and writes what it reports (registrations, calls)
 *           to the store; handles SIGHUP (reload) and SIGTERM.
 *   ca      holds the CA key and the provisioning keys (SAST, TFTP, CAPF;
 *           files or PKCS#11 tokens); issues certificates, signs digests.
 *   prov    CAPF, TFTP and HTTP for phones (controlplane/provd): binds its
 *           ports, then runs chrooted in the provisioning tree as an
 *           unprivileged user with no private key. Forked with sip.
 *   sip     parses network input: transports, transactions, registrar,
 *           B2BUA, key manager, data-plane flows (sip_main.c). Forked before
 *           the parent loads any key, so its memory never held the master or
 *           CA key; the parent sends it the node TLS key and trust anchors
 *           (tls_material.c), and it runs as [general] user once its ports
 *           are bound.
 *
 * The processes talk over SOCK_SEQPACKET socketpairs with the framed
 * messages of controlplane/common/cpmsg.h; an unexpected type is fatal.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "admin.h"
#include "ca.h"
#include "conf.h"
#include "cpmsg.h"
#include "log.h"
#include "provd.h"
#include "sipd.h"
#include "store.h"

#define DEFAULT_CONF "/etc/shieldlock/shieldlockd.conf"

struct parent {
	struct event_base *base;
	struct sl_conf conf;
	struct sl_store *store;
	struct sl_admin *admin;
	struct sl_admin_ctx actx;
	int sip_fd, ca_fd, prov_fd;
	pid_t sip_pid, ca_pid, prov_pid;
	struct sl_provd *provd;
	char ca_cert_path[SL_CONF_PATH_MAX + 16];
	struct sl_admin_cert_ref certs[7];
	struct event *sip_ev, *ev_hup, *ev_term, *ev_int, *ev_chld;
	bool stopping;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: shieldlockd [--config FILE] [--check-config] [--version] [--help]\n"
		"\n"
		"The Shieldlock control plane: SIP over TLS/TCP/UDP with digest\n"
		"authentication, a registrar, a B2BUA with SDES-SRTP key management, and\n"
		"media anchored on shieldlock-dp. Runs in the foreground (systemd Type=notify\n"
		"is not used; Type=simple). See docs/shieldlockd.md.\n"
		"\n"
		"  -c, --config FILE   configuration file (default " DEFAULT_CONF ")\n"
		"  -t, --check-config  check the configuration and exit (0 = good)\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          this text\n"
		"\n"
		"Signals: SIGHUP reloads the configuration and the TLS certificate without\n"
		"dropping registrations or calls; SIGTERM/SIGINT stop the daemon.\n");
}

/* ---- directory snapshot to the sip child ---- */

/*
 * A snapshot is every user, credential, device and trunk: sent as packets of
 * up to SL_CP_MAX_BODY bytes of records of one type (cpmsg.h), not a packet
 * per record, so that pushing 10,000 phones after each admin change is a few
 * dozen sendmsg calls. Credentials pass through buf: it is wiped after each
 * packet.
 */
struct dir_push {
	struct parent *p;
	/* the security mode of every profile, read once per snapshot (a
	 * lookup per device was most of the cost at 1,000 phones) */
	struct { char name[SL_STORE_NAME_MAX]; enum sl_sec_mode mode; } *prof;
	size_t nprof, pcap;
	uint8_t *buf;		/* SL_CP_MAX_BODY bytes */
	unsigned type;		/* of the records in buf */
	size_t size, n;		/* record size, records in buf */
	int rc;			/* first send error */
};

static int batch_flush(struct dir_push *dp)
{
	if (dp->n && !dp->rc)
		dp->rc = sl_cp_send(dp->p->sip_fd, dp->type, dp->buf, dp->n * dp->size);
	OPENSSL_cleanse(dp->buf, dp->n * dp->size);
	dp->n = 0;
	return dp->rc;
}

static int batch_add(struct dir_push *dp, unsigned type, const void *rec, size_t size)
{
	if (dp->n && (type != dp->type || (dp->n + 1) * size > SL_CP_MAX_BODY))
		batch_flush(dp);
	if (dp->rc)
		return dp->rc;
	dp->type = type;
	dp->size = size;
	memcpy(dp->buf + dp->n * size, rec, size);
	dp->n++;
	return 0;
}

static int push_user(const struct sl_user *u, void *arg)
{
	return batch_add(arg, SL_CP_SIP_USER, u, sizeof(*u));
}

static int push_cred(const struct sl_cred *c, void *arg)
{
	return batch_add(arg, SL_CP_SIP_CRED, c, sizeof(*c));
}

static int collect_profile(const struct sl_profile *pr, void *arg)
{
	struct dir_push *dp = arg;

	if (dp->nprof == dp->pcap) {
		size_t cap = dp->pcap ? 2 * dp->pcap : 16;
		void *np = realloc(dp->prof, cap * sizeof(*dp->prof));

		if (!np)
			return -ENOMEM;
		dp->prof = np;
		dp->pcap = cap;
	}
	snprintf(dp->prof[dp->nprof].name, sizeof(dp->prof[0].name), "%s", pr->name);
	dp->prof[dp->nprof++].mode = pr->mode;
	return 0;
}

static int push_device(const struct sl_device *d, void *arg)
{
	struct dir_push *dp = arg;
	struct sl_cp_device cd;
	size_t i;

	memset(&cd, 0, sizeof(cd));
	snprintf(cd.name, sizeof(cd.name), "%s", d->name);
	snprintf(cd.user, sizeof(cd.user), "%s", d->user);
	snprintf(cd.cert_identity, sizeof(cd.cert_identity), "%s", d->cert_identity);
	for (i = 0; i < dp->nprof && strcmp(dp->prof[i].name, d->profile); i++)
		;
	if (i == dp->nprof) {
		log_err("device %s: profile \"%s\" does not exist; treating it as encrypted "
			"(fail closed)", d->name, d->profile);
		cd.mode = SL_SEC_ENCRYPTED;
	} else {
		cd.mode = (int)dp->prof[i].mode;
	}
	return batch_add(dp, SL_CP_SIP_DEVICE, &cd, sizeof(cd));
}

static int push_trunk(const struct sl_trunk *t, void *arg)
{
	return batch_add(arg, SL_CP_SIP_TRUNK, t, sizeof(*t));
}

static int push_trunk_cred(const struct sl_trunk_cred *c, void *arg)
{
	return batch_add(arg, SL_CP_SIP_TRUNK_CRED, c, sizeof(*c));
}

static void push_dir(void *arg)
{
	struct parent *p = arg;
	struct dir_push dp = { .p = p };
	char err[256];
	int rc;

	dp.buf = malloc(SL_CP_MAX_BODY);
	if (!dp.buf) {
		log_err("directory not pushed to the sip process: out of memory");
		return;
	}
	rc = sl_cp_send(p->sip_fd, SL_CP_SIP_DIR_BEGIN, NULL, 0);
	if (!rc)
		rc = sl_store_user_list(p->store, push_user, &dp, err, sizeof(err));
	if (!rc)
		rc = sl_store_cred_walk(p->store, push_cred, &dp, err, sizeof(err));
	if (!rc)
		rc = sl_store_profile_list(p->store, collect_profile, &dp, err, sizeof(err));
	if (!rc)
		rc = sl_store_device_list(p->store, push_device, &dp, err, sizeof(err));
	if (!rc)
		rc = sl_store_trunk_list(p->store, push_trunk, &dp, err, sizeof(err));
	if (!rc)
		rc = sl_store_trunk_cred_walk(p->store, push_trunk_cred, &dp, err, sizeof(err));
	if (!rc)
		rc = batch_flush(&dp);
	OPENSSL_cleanse(dp.buf, SL_CP_MAX_BODY);
	free(dp.buf);
	free(dp.prof);
	if (rc) {
		/* fail closed: the child keeps its previous snapshot */
		log_err("directory not pushed to the sip process: %s",
			rc == -EIO ? err : strerror(-rc));
		return;
	}
	if (sl_cp_send(p->sip_fd, SL_CP_SIP_DIR_END, NULL, 0) < 0)
		log_err("directory end not sent to the sip process");
}

/* The sip process's certificate, key and trust anchors, read here and sent
 * (tls_material.c): it may run as a user that cannot read them. */
static int send_tls(struct parent *p, const char *why)
{
	struct sl_cp_tls none = { 0 };	/* no TLS listener: an empty header, nothing read */
	const void *msg = &none;
	size_t len = sizeof(none);
	uint8_t *body = NULL;
	char err[512];
	int rc;

	if (p->conf.n_listen_tls) {
		if (sipd_tls_material(&p->conf, &body, &len, err, sizeof(err)) < 0) {
			log_err("%s: TLS material not sent to the sip process: %s", why, err);
			return -1;
		}
		msg = body;
	}
	rc = sl_cp_send(p->sip_fd, SL_CP_SIP_RELOAD_TLS, msg, len);
	if (body != NULL) {
		OPENSSL_cleanse(body, SL_CP_MAX_BODY);
		free(body);
	}
	if (rc < 0)
		log_err("%s: the sip process did not take its TLS material", why);
	return rc < 0 ? -1 : 0;
}

/* ---- provisioning (issue 5) ---- */

/* Certificates, the trust store, CAPF settings changed: the TLS listeners
 * reload what they verify against, the provisioning files are rebuilt. */
static void prov_changed(void *arg)
{
	struct parent *p = arg;
	char err[512];

	(void)send_tls(p, "trust store changed");
	if (p->provd && sl_provd_rebuild(p->provd, err, sizeof(err)) < 0)
		log_err("provisioning files not rebuilt: %s", err);
}


/* One device's files (the device, its CAPF settings or certificate, its
 * user's password): only those are rebuilt; the TLS listeners' trust store
 * did not change. */
static void prov_device_changed(void *arg, const char *device)
{
	struct parent *p = arg;
	char err[512];

	if (p->provd && sl_provd_device_changed(p->provd, device, err, sizeof(err)) < 0)
		log_err("provisioning files of %s not rebuilt: %s", device, err);
}

static int cert_regenerate(void *arg, const char *name, char *err, size_t errlen)
{
	struct parent *p = arg;

	if (!strcmp(name, "node")) {
		char fp[SL_CA_FP_LEN];

		if (sl_node_regenerate(&p->conf, p->ca_fd, p->ca_cert_path, fp, sizeof(fp), err,
				       errlen) < 0)
			return -1;
		/* the SIP TLS listener and the CCM record of the trust lists */
		(void)send_tls(p, "node certificate regenerated");
		if (p->provd && sl_provd_reload(p->provd, err, errlen) < 0)
			return -1;
		return 0;
	}
	if (!p->provd) {
		snprintf(err, errlen, "provisioning is off ([provisioning] enabled = no)");
		return -1;
	}
	return sl_provd_regenerate(p->provd, name, err, errlen);
}

static int prov_build(void *arg, char *out, size_t cap, char *err, size_t errlen)
{
	struct parent *p = arg;

	if (!p->provd) {
		snprintf(err, errlen, "provisioning is off ([provisioning] enabled = no)");
		return -1;
	}
	return sl_provd_build(p->provd, out, cap, err, errlen);
}

static int prov_status(void *arg, char *out, size_t cap, char *err, size_t errlen)
{
	struct parent *p = arg;

	if (!p->provd) {
		snprintf(err, errlen, "provisioning is off ([provisioning] enabled = no)");
		return -1;
	}
	return sl_provd_status(p->provd, out, cap, err, errlen);
}

static int tftp_sign_digest(void *arg, int hash, const uint8_t *digest, size_t dlen,
			    uint8_t *sig, size_t *siglen, char *err, size_t errlen)
{
	struct parent *p = arg;

	if (!p->provd) {
		snprintf(err, errlen, "provisioning is off ([provisioning] enabled = no)");
		return -1;
	}
	return sl_provd_sign_tftp(p->provd, hash, digest, dlen, sig, siglen, err, errlen);
}

static void prov_closed(void *arg)
{
	struct parent *p = arg;

	if (!p->stopping)
		log_err("the prov process closed its channel");
}

static void set_cert_refs(struct parent *p)
{
	const struct sl_conf *c = &p->conf;
	size_t n = 0;

	snprintf(p->ca_cert_path, sizeof(p->ca_cert_path), "%s/ca/ca.pem", c->state_dir);
	p->certs[n++] = (struct sl_admin_cert_ref){ "ca", p->ca_cert_path, "LSC issuer", false };
	p->certs[n++] = (struct sl_admin_cert_ref){ "node", c->tls_cert, "CCM", true };
	if (c->prov_enabled) {
		p->certs[n++] = (struct sl_admin_cert_ref){ "tftp", c->cert_tftp, "TFTP", true };
		p->certs[n++] = (struct sl_admin_cert_ref){ "capf", c->cert_capf, "CAPF", true };
		p->certs[n++] = (struct sl_admin_cert_ref){ "sast1", c->cert_sast1, "SAST", true };
		if (strcmp(c->key_sast2, "off"))
			p->certs[n++] = (struct sl_admin_cert_ref){ "sast2", c->cert_sast2, "SAST",
								    true };
	}
	p->actx.certs = p->certs;
	p->actx.ncerts = n;
	p->actx.trust_store = c->trust_store;
}

/* ---- messages from the sip child ---- */

static void on_sip(evutil_socket_t fd, short what, void *arg)
{
	struct parent *p = arg;
	static uint8_t buf[SL_CP_MAX_BODY];
	unsigned type;
	size_t len;
	char err[256];
	(void)what;
	int rc = sl_cp_recv(fd, &type, buf, sizeof(buf), &len);
	if (rc == 0) {
		if (!p->stopping)
			log_err("the sip process closed its channel");
		event_del(p->sip_ev);
		event_base_loopbreak(p->base);
		return;
	}
	if (rc < 0)
		sl_fatal("bad message from the sip process (%s): stopping", strerror(-rc));
	switch (type) {
	case SL_CP_SIP_READY:
		log_notice("sip process ready");
		break;
	case SL_CP_REG_PUT:
		if (sl_store_reg_put(p->store, (const struct sl_registration *)buf, err, sizeof(err)) < 0)
			log_warn("store: %s", err);
		break;
	case SL_CP_REG_DEL: {
		const struct sl_registration *r = (const void *)buf;
		if (sl_store_reg_del(p->store, r->user, r->contact, err, sizeof(err)) < 0)
			log_debug("store: %s", err);
		break;
	}
	case SL_CP_CALL_PUT:
		if (sl_store_call_put(p->store, (const struct sl_call *)buf, err, sizeof(err)) < 0)
			log_warn("store: %s", err);
		break;
	default:
		sl_fatal("unexpected message %s (%u) from the sip process: stopping",
			 sl_cp_type_name(type), type);
	}
}

/* ---- signals ---- */

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct parent *p = arg;
	char err[512];
	(void)sig;
	(void)what;
	struct sl_conf *nc = malloc(sizeof(*nc));
	if (!nc)
		return;
	log_notice("SIGHUP: reloading %s", p->conf.file);
	if (sl_conf_load(p->conf.file, nc, err, sizeof(err)) < 0) {
		log_err("reload refused, keeping the running configuration: %s", err);
		free(nc);
		return;
	}
	if (strcmp(nc->store_path, p->conf.store_path) || strcmp(nc->admin_socket, p->conf.admin_socket))
		log_warn("reload: store path and admin socket changes need a restart");
	snprintf(nc->store_path, sizeof(nc->store_path), "%s", p->conf.store_path);
	snprintf(nc->admin_socket, sizeof(nc->admin_socket), "%s", p->conf.admin_socket);
	p->conf = *nc;
	free(nc);
	sl_log_set_level(p->conf.log_level);
	sl_admin_set_conf(p->admin, &p->conf);
	if (sl_cp_send(p->sip_fd, SL_CP_SIP_CONF, &p->conf, sizeof(p->conf)) < 0)
		log_err("reload not delivered to the sip process");
	(void)send_tls(p, "reload");
	push_dir(p);	/* the realm may have changed */
	set_cert_refs(p);
	if (p->provd) {
		if (sl_cp_send(p->prov_fd, SL_CP_PROV_CONF, &p->conf, sizeof(p->conf)) < 0)
			log_err("reload not delivered to the prov process");
		if (sl_provd_reload(p->provd, err, sizeof(err)) < 0)
			log_err("provisioning reload: %s (the files stay as they were)", err);
	}
}

static void on_term(evutil_socket_t sig, short what, void *arg)
{
	struct parent *p = arg;
	(void)what;
	log_notice("signal %d: stopping", (int)sig);
	p->stopping = true;
	event_base_loopbreak(p->base);
}

static void on_chld(evutil_socket_t sig, short what, void *arg)
{
	struct parent *p = arg;
	(void)sig;
	(void)what;
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		const char *who = pid == p->sip_pid ? "sip" : pid == p->ca_pid ? "ca" :
				  pid == p->prov_pid ? "prov" : "child";
		if (pid == p->sip_pid)
			p->sip_pid = 0;
		if (pid == p->prov_pid)
			p->prov_pid = 0;
		if (pid == p->ca_pid)
			p->ca_pid = 0;
		if (p->stopping)
			continue;
		if (WIFSIGNALED(st))
			log_err("%s process killed by signal %d: stopping (the service manager "
				"restarts the appliance)", who, WTERMSIG(st));
		else
			log_err("%s process exited with status %d: stopping", who, WEXITSTATUS(st));
		p->stopping = true;
		event_base_loopbreak(p->base);
	}
}

static pid_t spawn_sip(int *fd, int close_fd, int close_fd2)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	int big = 4 << 20;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(sv[0]);
		if (close_fd >= 0)
			close(close_fd);
		if (close_fd2 >= 0)
			close(close_fd2);
		sl_log_set_proc("sip");
		_exit(sipd_main(sv[1]));
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_CONF;
	bool check = false;
	int o;
	while ((o = getopt_long(argc, argv, "c:tVh", opts, NULL)) != -1) {
		switch (o) {
		case 'c': path = optarg; break;
		case 't': check = true; break;
		case 'V': puts("shieldlockd 0.1.0"); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "shieldlockd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	static struct parent P;
	struct parent *p = &P;
	char err[512];
	if (sl_conf_load(path, &p->conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "shieldlockd: configuration refused: %s\n", err);
		return 1;
	}
	if (p->conf.user[0]) {
		/* the sip process becomes this user; fail closed on a wrong name */
		struct passwd *pw = getpwnam(p->conf.user);
		if (pw == NULL || pw->pw_uid == 0) {
			fprintf(stderr, "shieldlockd: configuration refused: %s: [general] user = %s: "
				"%s; name an unprivileged user (useradd --system --no-create-home "
				"shieldlock) or remove the line\n", p->conf.file, p->conf.user,
				pw == NULL ? "no such user" : "that is root");
			return 1;
		}
	}
	if (check) {
		printf("%s: configuration OK\n", path);
		return 0;
	}
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	sl_log_init("parent", p->conf.log_level);
	log_notice("shieldlockd 0.1.0 starting with %s", p->conf.file);
	if (p->conf.cluster_mode == SL_CLUSTER_NONSECURE)
		log_warn("cluster security mode is non-secure: device security profiles are "
			 "ignored and every device is treated as non-secure");
	else if (p->conf.auto_registration)
		log_warn("auto_registration = yes is ignored: auto-registration is refused "
			 "while secure mode is on");
	if (!p->conf.dp_socket[0])
		log_warn("no data plane configured ([media] dp_socket): calls are refused with 503");

	/* children first: neither ever sees the master key */
	int prov_ca_fd = -1;
	p->prov_fd = -1;
	p->ca_pid = sl_ca_spawn(&p->ca_fd, p->conf.prov_enabled ? &prov_ca_fd : NULL, err,
				sizeof(err));
	if (p->ca_pid < 0) {
		log_err("cannot start the ca process: %s", err);
		return 1;
	}
	p->sip_pid = spawn_sip(&p->sip_fd, p->ca_fd, prov_ca_fd);
	if (p->sip_pid < 0) {
		log_err("cannot start the sip process: %s", strerror(errno));
		return 1;
	}
	if (p->conf.prov_enabled) {
		int others[2] = { p->ca_fd, p->sip_fd };

		p->prov_pid = sl_provd_spawn(&p->conf, prov_ca_fd, others, 2, &p->prov_fd, err,
					     sizeof(err));
		close(prov_ca_fd);
		if (p->prov_pid < 0) {
			log_err("cannot start the prov process: %s", err);
			goto fail;
		}
	} else {
		log_info("provisioning is off ([provisioning] enabled = no): no CAPF, TFTP or HTTP");
	}

	uint8_t mk[SL_STORE_MASTER_KEY_LEN];
	char fp[128];
	if (sl_firststart(&p->conf, p->ca_fd, mk, fp, sizeof(fp), err, sizeof(err)) < 0) {
		log_err("first-start material: %s", err);
		goto fail;
	}
	printf("node certificate SHA-256 fingerprint: %s\n", fp);
	fflush(stdout);
	int rc = sl_store_open(p->conf.store_path, mk, &p->store, err, sizeof(err));
	OPENSSL_cleanse(mk, sizeof(mk));
	if (rc < 0) {
		log_err("store %s: %s", p->conf.store_path, err);
		goto fail;
	}
	if (sl_store_warning(p->store) && sl_store_warning(p->store)[0])
		log_warn("store %s: %s", p->conf.store_path, sl_store_warning(p->store));
	log_info("store %s, schema version %d", p->conf.store_path,
		 sl_store_schema_version(p->store));
	if (sl_store_reg_clear(p->store, err, sizeof(err)) < 0)
		log_warn("store: %s", err);

	p->base = event_base_new();
	if (!p->base)
		goto fail;
	p->actx.store = p->store;
	p->actx.conf = &p->conf;
	/* the admin commands that change what provisioning depends on call
	 * prov_changed as well (devices, profiles, passwords, CAPF, certs) */
	p->actx.dir_changed = push_dir;
	p->actx.arg = p;
	p->actx.node_cert_path = p->conf.tls_cert;
	p->actx.prov_changed = prov_changed;
	p->actx.prov_device_changed = prov_device_changed;
	p->actx.cert_regenerate = cert_regenerate;
	p->actx.prov_build = prov_build;
	p->actx.tftp_sign_digest = tftp_sign_digest;
	p->actx.prov_status = prov_status;
	set_cert_refs(p);
	if (p->conf.prov_enabled) {
		struct sl_provd_ctx pc = { .base = p->base, .conf = &p->conf, .store = p->store,
					   .prov_fd = p->prov_fd, .ca_fd = p->ca_fd,
					   .ca_cert_path = p->ca_cert_path,
					   .on_closed = prov_closed, .arg = p };

		p->provd = sl_provd_new(&pc, err, sizeof(err));
		if (!p->provd) {
			log_err("provisioning: %s", err);
			goto fail;
		}
		if (sl_provd_reload(p->provd, err, sizeof(err)) < 0) {
			/* fail closed: no phone gets unsigned or stale trust */
			log_err("provisioning: %s", err);
			goto fail;
		}
	}
	/* the admin socket's directory (e.g. /run/shieldlock) */
	char dir[sizeof(p->conf.admin_socket)];
	memcpy(dir, p->conf.admin_socket, sizeof(dir));
	dir[sizeof(dir) - 1] = '\0';
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			log_warn("cannot create %s: %s", dir, strerror(errno));
	}
	p->admin = sl_admin_new(p->base, p->conf.admin_socket, &p->actx, err, sizeof(err));
	if (!p->admin) {
		log_err("admin socket %s: %s", p->conf.admin_socket, err);
		goto fail;
	}
	if (sl_cp_send(p->sip_fd, SL_CP_SIP_CONF, &p->conf, sizeof(p->conf)) < 0) {
		log_err("the sip process did not take its configuration");
		goto fail;
	}
	if (send_tls(p, "start") < 0)
		goto fail;
	push_dir(p);
	p->sip_ev = event_new(p->base, p->sip_fd, EV_READ | EV_PERSIST, on_sip, p);
	p->ev_hup = evsignal_new(p->base, SIGHUP, on_hup, p);
	p->ev_term = evsignal_new(p->base, SIGTERM, on_term, p);
	p->ev_int = evsignal_new(p->base, SIGINT, on_term, p);
	p->ev_chld = evsignal_new(p->base, SIGCHLD, on_chld, p);
	event_add(p->sip_ev, NULL);
	event_add(p->ev_hup, NULL);
	event_add(p->ev_term, NULL);
	event_add(p->ev_int, NULL);
	event_add(p->ev_chld, NULL);
	log_notice("admin socket %s ready", p->conf.admin_socket);
	event_base_dispatch(p->base);
	bool failed = !p->stopping;
	p->stopping = true;

	/* orderly stop: the sip child removes its flows when its channel closes */
	sl_provd_free(p->provd);
	p->provd = NULL;
	close(p->sip_fd);
	close(p->ca_fd);
	if (p->prov_fd >= 0)
		close(p->prov_fd);
	for (int i = 0; i < 50 && (p->sip_pid || p->ca_pid || p->prov_pid); i++) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid > 0 && pid == p->sip_pid)
			p->sip_pid = 0;
		else if (pid > 0 && pid == p->prov_pid)
			p->prov_pid = 0;
		else if (pid > 0 && pid == p->ca_pid)
			p->ca_pid = 0;
		else if (pid < 0 && errno == ECHILD)
			break;
		else
			usleep(100000);	/* the sip child removes its flows first */
	}
	if (p->sip_pid)
		kill(p->sip_pid, SIGKILL);
	if (p->ca_pid)
		kill(p->ca_pid, SIGKILL);
	if (p->prov_pid)
		kill(p->prov_pid, SIGKILL);
	sl_admin_free(p->admin);
	event_free(p->sip_ev);
	event_free(p->ev_hup);
	event_free(p->ev_term);
	event_free(p->ev_int);
	event_free(p->ev_chld);
	event_base_free(p->base);
	sl_store_close(p->store);
	log_notice("stopped");
	return failed ? 1 : 0;
fail:
	if (p->prov_pid > 0)
		kill(p->prov_pid, SIGTERM);
	if (p->sip_pid > 0)
		kill(p->sip_pid, SIGTERM);
	if (p->ca_pid > 0)
		kill(p->ca_pid, SIGTERM);
	return 1;
}
