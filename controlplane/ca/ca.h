/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "ca" process of shieldlockd and the first-start material
 * (ARCHITECTURE.md §4, docs/keys.md).
 *
 * The ca child is the only process that reads the CA private key. It serves
 * two requests from the parent over a SOCK_SEQPACKET socketpair (messages of
 * cpmsg.h): SL_CP_CA_INIT (create or load the CA) and SL_CP_CA_SIGN_CSR
 * (validate a certificate request and issue a node certificate). The parent
 * never opens <state_dir>/ca/ca.key: it only names the CA directory.
 *
 * sl_firststart() runs in the parent at every start; it creates what is
 * missing (master key, CA, node key and certificate, trust store entry) and
 * reuses what exists, refusing to start when a secret file is accessible by
 * group or others.
 */
#ifndef SL_CA_H
#define SL_CA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"

/* "AB:CD:...:EF" (SHA-256, 32 bytes) plus the NUL: minimum fplen. */
#define SL_CA_FP_LEN	96

/*
 * Child side: serves requests on fd (SOCK_SEQPACKET, messages of
 * controlplane/common/cpmsg.h) until the parent closes it; returns exit
 * status. Single-threaded; unknown/unexpected message types are fatal
 * (sl_fatal).
 */
int sl_ca_main(int fd, int prov_fd);

/*
 * Parent side, run at every start before the sip child is forked:
 * - master key: <state_dir>/private/master.key (32 random bytes, mode 0600,
 *   dir 0700); created if missing; refuses to start if it or private/ is
 *   group/world accessible, with a message saying which file and the chmod
 *   to run.
 * - CA: asks the ca child (SL_CP_CA_INIT) to create, if missing,
 *   <state_dir>/ca/ca.key (EC P-384, 0600) and ca.pem (self-signed, CA:TRUE,
 *   keyUsage keyCertSign+cRLSign, 10 years, "CN=Shieldlock CA <node_name>");
 *   the child replies SL_CP_CA_READY with the CA PEM.
 * - node TLS identity: if tls_key/tls_cert are missing, generates an EC P-256
 *   key (0600), a CSR with CN=node_name and SANs DNS:node_name (+ IP of
 *   advertised_host if numeric), has the ca child sign it
 *   (SL_CP_CA_SIGN_CSR -> SL_CP_CA_CERT: serverAuth+clientAuth, 2 years,
 *   random 128-bit serial) and writes leaf + CA to tls_cert (0644). An
 *   existing key without certificate gets a certificate for that key.
 * - trust store: the trust_store directory (0755) holds the CA certificate
 *   as <subject-hash>.N, so `openssl verify -CApath` accepts what it issued.
 * - logs the node certificate's SHA-256 fingerprint at notice and returns it
 *   in fp ("AB:CD:...", fplen >= SL_CA_FP_LEN).
 * Empty tls_cert/tls_key/trust_store fall back to the defaults under
 * state_dir. Returns 0, or -1 with the reason and the fix in err.
 */
int sl_firststart(const struct sl_conf *conf, int ca_fd, uint8_t master_key[32],
		  char *fp, size_t fplen, char *err, size_t errlen);

/*
 * Parent side, "cert regenerate node": a new node key (EC P-256) and a
 * certificate for it from the ca process; the old pair stays if that fails.
 * On success the new SHA-256 fingerprint is in fp. 0 or -errno with err.
 */
int sl_node_regenerate(const struct sl_conf *conf, int ca_fd, const char *ca_cert_path,
		       char *fp, size_t fplen, char *err, size_t errlen);

/*
 * Forks the ca child (socketpair SOCK_SEQPACKET); with prov_fd, a second
 * socketpair whose other end is returned in *prov_fd for the prov process
 * (its CAPF TLS key operations). In the child closes every descriptor but
 * its sockets and stdin/stdout/stderr, sets the log proc to
 * "ca", makes itself non-dumpable and runs sl_ca_main. Returns the pid
 * (parent's socket in *fd), or -1 with the reason in err.
 */
pid_t sl_ca_spawn(int *fd, int *prov_fd, char *err, size_t errlen);

#endif
