/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "sip" child of shieldlockd: the process that parses network input.
 * It holds the node TLS key (to terminate TLS) and the HA1s of the directory
 * snapshot the parent pushes; never the master key, the CA key or any
 * signing key (ARCHITECTURE.md §4). Single-threaded on libevent.
 *
 *   sip_main.c   event loop, parent messages, transport + transaction glue
 *   dir.c        directory snapshot: users, credentials, devices, trunks
 *   registrar.c  REGISTER (RFC 3261 §10), bindings, expiry
 *   authn.c      digest challenges/verification, security-mode checks
 *   b2bua.c      calls: two dialogs per call, INVITE/ACK/CANCEL/BYE/re-INVITE
 *   media.c      key manager (SDES keys per leg and direction), port
 *                allocation, data-plane flows, inactivity
 *   out.c        building and sending requests and responses
 */
#ifndef SL_SIPD_H
#define SL_SIPD_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "conf.h"
#include "cpmsg.h"
#include "digest.h"
#include "dp_client.h"
#include "sdp.h"
#include "sip.h"
#include "store.h"
#include "transport.h"
#include "txn.h"

struct event_base;
struct event;

/* ---- directory snapshot (dir.c) ---- */

struct dir_user {
	struct sl_user u;
	uint8_t ha1[2][32];		/* [alg] for conf realm; have[alg] */
	bool have[2];
};
struct dir_device {
	char name[64], user[64], cert_identity[256];
	int mode;			/* enum sl_sec_mode of its profile */
};
struct dir {
	struct dir_user *users;
	unsigned nusers, capusers;
	struct dir_device *devices;
	unsigned ndevices, capdevices;
	struct sl_trunk *trunks;
	unsigned ntrunks, captrunks;
	struct sl_trunk_cred *tcreds;
	unsigned ntcreds, captcreds;
	bool users_sorted;
};
void dir_init(struct dir *d);
void dir_free(struct dir *d);	/* wipes HA1s */
void dir_add_user(struct dir *d, const struct sl_user *u);
void dir_add_cred(struct dir *d, const struct sl_cred *c, const char *realm);
void dir_add_device(struct dir *d, const char *name, const char *user,
		    const char *cert_identity, int mode);
void dir_add_trunk(struct dir *d, const struct sl_trunk *t);
void dir_add_trunk_cred(struct dir *d, const struct sl_trunk_cred *c);
void dir_finish(struct dir *d);	/* sorts for lookups */
const struct dir_user *dir_user(const struct dir *d, const char *name, size_t n);
/* Devices of a user (first match by cert identity if ident != NULL). */
const struct dir_device *dir_device_for(const struct dir *d, const char *user,
					const char *ident);
const struct sl_trunk *dir_trunk_for(const struct dir *d, const char *user, size_t n);
const struct sl_trunk_cred *dir_trunk_cred(const struct dir *d, const char *trunk,
					   const char *realm, int alg);

/* ---- registrar bindings ---- */

struct binding {
	struct binding *next;
	char user[64];
	char contact[256];		/* the Contact URI */
	char user_agent[128];
	char device[64];
	int mode;			/* effective security mode of the device */
	char local_host[64];		/* our address on that connection (Contact, Via) */
	enum sl_tp_proto proto;
	uint64_t conn_id;		/* TCP/TLS connection it registered on */
	struct sockaddr_storage src;	/* where it came from (UDP replies) */
	socklen_t srclen;
	bool tls_verified;
	int64_t registered, expires;
};

/* ---- calls ---- */

enum leg_side { LEG_A = 0, LEG_B = 1 };	/* A = caller side (UAS), B = callee (UAC) */

struct leg_media {
	bool srtp;			/* this leg uses SRTP */
	int suite;			/* enum sl_srtp_suite when srtp */
	struct sl_sdes_crypto ours;	/* key we protect toward the peer (sent in SDP) */
	struct sl_sdes_crypto theirs;	/* key the peer protects with (from its SDP) */
	bool have_theirs;
	const struct sl_conf_iface *ifc;	/* our media interface for this leg */
	uint16_t local_port;		/* ours, even; +1 for RTCP without mux */
	struct sl_sdp_addr remote;	/* peer media address */
	uint16_t remote_port;
	bool rtcp_mux;
	/* our offer toward this leg: one fresh key per offered suite */
	struct sl_sdes_crypto offered[SL_CONF_MAX_SUITES];
	unsigned noffered;
	uint64_t sdp_sess_id, sdp_version;
	uint64_t flow_rtp, flow_rtcp;	/* data-plane flow ids whose INPUT is this leg */
	struct sl_sdp_addr inst_remote;	/* the peer address those flows match */
	uint16_t inst_port;
};

struct leg {
	/* dialog (RFC 3261 §12) */
	char call_id[128];
	char local_tag[32], remote_tag[64];
	char local_uri[256], remote_uri[256];	/* From/To URIs as we use them */
	char remote_target[256];		/* Contact of the peer */
	uint32_t local_cseq, remote_cseq;
	bool confirmed;
	/* where the peer is, and our address toward it */
	struct sl_txn_dest dest;
	char local_host[64];		/* "" = the configured/derived host */
	char peer_name[64];		/* user or trunk name */
	int sec;			/* enum sl_sec_mode of this leg */
	bool tls;			/* signalling over TLS */
	struct leg_media m;
	struct sl_txn *inv;		/* pending INVITE transaction (server for A, client for B) */
	struct sl_txn *reinv;		/* pending re-INVITE relay */
	uint32_t inv_cseq;
	char *inv_raw;			/* B: the INVITE we sent (for CANCEL) */
	size_t inv_rawlen;
	bool trunk;			/* B leg toward a trunk */
	bool auth_tried;		/* answered the trunk's challenge once */
	bool bye_auth_tried;		/* and its challenge to our BYE */
	struct leg *hnext;		/* dialog hash chain (by Call-ID) */
	struct call *call;		/* the call this leg belongs to */
	bool hashed;
};

enum call_state { CALL_INIT, CALL_RINGING, CALL_ACTIVE, CALL_ENDING, CALL_ENDED };

struct call {
	struct call *next;
	char id[64];
	enum call_state state;
	struct leg leg[2];
	int64_t started, answered;
	uint64_t deadline_ms;		/* no final answer by then: give up */
	uint64_t last_media_ms;		/* media seen (inactivity) */
	uint64_t last_pkts;
	bool cancel_pending, got_provisional, flows_installed;
	int security;			/* lowest over legs, reported */
	struct sl_call_leg cnt[2];	/* media counters last read from the data plane */
	uint64_t counters_ms;		/* when they were read */
	unsigned ntxn;			/* transactions whose user is this call */
	char end_reason[64];
	/* a re-INVITE being relayed: from leg reinv_from, answered on reinv_st */
	struct sl_txn *reinv_st;
	int reinv_from, reinv_ai;
	uint32_t reinv_cseq;
	/* what the offer asks of leg reinv_from, taken only when the answer is
	 * a 2xx: a rejected offer changes nothing (RFC 3264 §8) */
	struct sl_sdp_addr reinv_remote;
	uint16_t reinv_port;
	int reinv_suite;
};

/* ---- the child ---- */

struct sipd {
	struct event_base *base;
	struct sl_conf conf;
	int parent_fd;
	struct event *parent_ev, *tick_ev, *media_ev;
	struct sl_tp *tp;
	struct sl_txl *txl;
	struct dir dir;			/* current snapshot */
	struct dir next;		/* snapshot being received */
	bool dir_receiving;
	struct sl_digest_nonce_key *nonce_key;
	struct sl_digest_nctab *nctab;
	struct sl_ratelimit *rl_src, *rl_user;
	struct binding *bindings;
	struct call *calls;
	struct sl_dp_client *dp;
	uint64_t dp_retry_ms;
	uint16_t *port_next;		/* per interface next port */
	uint8_t *port_used[SL_CONF_MAX_IFACES];	/* bitmap of even ports in use */
	uint64_t ncalls_total;
	char via_host[128];
};

/* sip_main.c */
/* Runs the child: waits for SL_CP_SIP_CONF, then serves until the parent closes fd. */
int sipd_main(int parent_fd);
uint64_t sipd_now_ms(void);
int64_t sipd_now_s(void);
void sipd_to_parent(struct sipd *s, unsigned type, const void *body, size_t len);

/* out.c */
int sipd_respond(struct sipd *s, struct sl_txn *st, int code, const char *reason,
		 const char *to_tag, const char *extra, const char *ctype,
		 const char *body, size_t blen);
/* Responds statelessly (no transaction: bad requests, over limits). */
void sipd_respond_stateless(struct sipd *s, const struct sl_sip_msg *req,
			    const struct sl_tp_peer *peer, int code, const char *reason,
			    const char *extra);
void sipd_dest_from_peer(struct sl_txn_dest *d, const struct sl_tp_peer *p);
/* Our Via sent-by for a transport. */
const char *sipd_via_proto(enum sl_tp_proto p);
/* <sip:shieldlock@HOST:PORT;transport=x>; host = local_host when set (the
 * address the peer reached us on), else the advertised host. */
void sipd_contact(struct sipd *s, enum sl_tp_proto p, const char *local_host, char *out,
		  size_t len);
/* Host part for URIs from a socket address ("10.77.1.1", "[fd53::1]"), "" if wildcard. */
void sipd_host_of(const struct sockaddr_storage *a, char *out, size_t len);
int sipd_addr_from_host(const char *host, size_t hlen, int port, struct sockaddr_storage *ss,
			socklen_t *len);

/* authn.c */
enum authn_result { AUTHN_OK, AUTHN_CHALLENGED, AUTHN_REJECTED };
/* Challenges (401) or rejects the request on st; on AUTHN_OK *user is set. */
enum authn_result sipd_authenticate(struct sipd *s, struct sl_txn *st, const struct sl_sip_msg *m,
				    const struct sl_tp_peer *peer, const struct dir_user **user);
/* Security mode check of a device reached over peer: 0 ok, else SIP code to refuse with. */
int sipd_check_device(struct sipd *s, const char *user, const struct sl_tp_peer *peer,
		      int *mode, const char **device, const char **why);
int sipd_auth_init(struct sipd *s, char *err, size_t errlen);
void sipd_auth_fini(struct sipd *s);

/* uac_auth.c: Authorization/Proxy-Authorization line answering a trunk's
 * challenge in r; length, 0 if nothing matches (logged), or -ENOSPC. */
int sipd_uac_authorization(struct sipd *s, const char *trunk, const struct sl_sip_msg *r,
			   const char *method, const char *ruri, char *out, size_t cap);

/* registrar.c */
void sipd_register(struct sipd *s, struct sl_txn *st, const struct sl_sip_msg *m,
		   const struct sl_tp_peer *peer);
const struct binding *sipd_binding_for(struct sipd *s, const char *user, size_t n);
void sipd_bindings_expire(struct sipd *s, int64_t now);
void sipd_bindings_conn_closed(struct sipd *s, uint64_t conn_id);
void sipd_bindings_free(struct sipd *s);

/* b2bua.c */
void sipd_invite(struct sipd *s, struct sl_txn *st, const struct sl_sip_msg *m,
		 const struct sl_tp_peer *peer);
bool sipd_in_dialog(struct sipd *s, struct sl_txn *st, const struct sl_sip_msg *m,
		    const struct sl_tp_peer *peer);
void sipd_cancel(struct sipd *s, struct sl_txn *st, const struct sl_sip_msg *m,
		 const struct sl_tp_peer *peer);
void sipd_ack(struct sipd *s, const struct sl_sip_msg *m, const struct sl_tp_peer *peer);
void sipd_client_response(struct sipd *s, struct sl_txn *ct, const struct sl_sip_msg *m);
void sipd_client_error(struct sipd *s, struct sl_txn *ct, int code);
void sipd_txn_freed(struct sipd *s, struct sl_txn *t);
void sipd_calls_tick(struct sipd *s, uint64_t now_ms);
void sipd_calls_media_check(struct sipd *s);
void sipd_calls_free(struct sipd *s);
/* An outgoing TCP/TLS connection was opened toward d (a trunk): legs that
 * were waiting for it use it from now on. */
void sipd_calls_conn_opened(struct sipd *s, const struct sl_txn_dest *d, uint64_t conn_id);
/* A connection closed: a callee that can no longer be reached fails its call
 * at once (503, RFC 3261 §8.1.3.1) instead of after timer B. */
void sipd_calls_conn_closed(struct sipd *s, uint64_t conn_id, const char *why);
void sipd_call_report(struct sipd *s, struct call *c);

/* media.c */
int media_init(struct sipd *s);
void media_fini(struct sipd *s);
bool media_available(struct sipd *s);
int media_alloc_port(struct sipd *s, struct leg_media *lm, const struct sl_sdp_addr *peer_addr);
void media_free_port(struct sipd *s, struct leg_media *lm);
/* Fresh key+salt for suite from the CSPRNG (RFC 4568 §6.1 inline key). */
int media_new_key(struct sl_sdes_crypto *c, int suite, uint32_t tag);
/* Installs or updates both directions' flows of a call; 0 or -1 (logged). */
int media_install(struct sipd *s, struct call *c);
void media_remove(struct sipd *s, struct call *c);
/* Packets in on all the call's flows (*total); fills leg counters of rep
 * (may be NULL). 0, or -1 when the data plane cannot tell. */
int media_counters(struct sipd *s, struct call *c, struct sl_call *rep, uint64_t *total);

/* tls_material.c: the parent builds the SL_CP_SIP_RELOAD_TLS body from the
 * configured files (malloc'd, SL_CP_MAX_BODY bytes: wipe them all and free);
 * the sip process points tc's PEM fields into a received body. */
int sipd_tls_material(const struct sl_conf *conf, uint8_t **body, size_t *bodylen, char *err,
		      size_t errlen);
int sipd_tls_unpack(const uint8_t *body, size_t len, struct sl_tp_tls_cfg *tc, unsigned *ntrust,
		    char *err, size_t errlen);

#endif
