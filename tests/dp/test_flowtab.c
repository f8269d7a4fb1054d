/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table unit tests (dataplane/dp/flowtab.c, flow_build.c): operations,
 * field checks, ANY_SRC fallback, grace periods before keys are wiped,
 * lock-free readers racing the writer, latching.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_malloc.h>

#include "dp_test.h"

static struct dp_flowtab *ft;
static const uint8_t DST[4] = { 10, 0, 1, 1 };

static void setup(void)
{
	char msg[256];

	ft = dp_flowtab_create(&dt_dp, 1024, dt_dp.nworkers, msg, sizeof(msg));
	ck_assert_msg(ft, "%s", msg);
	dt_dp.ft = ft;
}

static void teardown(void)
{
	dp_flowtab_free(ft);
	dt_dp.ft = ft = NULL;
}

static uint64_t add_ok(const struct sl_dp_flow_spec *s)
{
	char msg[256] = "";
	uint64_t id = 0;
	int rc = dp_flowtab_add(ft, s, &id, msg, sizeof(msg));

	ck_assert_msg(rc == 0, "add: %d %s", rc, msg);
	ck_assert_uint_ne(id, 0);
	return id;
}

static struct dp_flow *lookup_src(uint8_t a, uint16_t sport, uint16_t dport)
{
	struct sl_dp_flow_match k;
	const uint8_t src[4] = { 10, 0, 0, a };

	dt_pkt_key(&k, 0, src, DST, sport, dport);
	return dt_lookup(ft, &k);
}

START_TEST(add_get_del)
{
	struct sl_dp_flow_spec s;
	struct sl_dp_flow_info fi;
	char msg[256];
	uint64_t id1, id2;

	dt_spec_forward(&s, 2, 4000, 5000);
	s.cookie = 77;
	id1 = add_ok(&s);
	dt_spec_forward(&s, 3, 4000, 5000);
	id2 = add_ok(&s);
	ck_assert_uint_eq(id1, 1);
	ck_assert_uint_eq(id2, 2);
	ck_assert_uint_eq(dp_flowtab_count(ft), 2);
	ck_assert_int_eq(dp_flowtab_get(ft, id1, &fi, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(fi.id, id1);
	ck_assert_uint_eq(fi.cookie, 77);
	ck_assert_uint_eq(fi.action, SL_DP_ACT_FORWARD);
	ck_assert_uint_eq(fi.match.sport, 4000);
	ck_assert_uint_eq(fi.match.src[3], 2);
	ck_assert_uint_eq(fi.in_suite, 0xff);
	ck_assert_uint_eq(fi.out_suite, 0xff);
	ck_assert_ptr_nonnull(lookup_src(2, 4000, 5000));
	ck_assert_uint_eq(lookup_src(2, 4000, 5000)->id, id1);
	ck_assert_ptr_null(lookup_src(4, 4000, 5000));

	ck_assert_int_eq(dp_flowtab_del(ft, id1, msg, sizeof(msg)), 0);
	/* Gone for readers as soon as del returns. */
	ck_assert_ptr_null(lookup_src(2, 4000, 5000));
	ck_assert_int_eq(dp_flowtab_get(ft, id1, &fi, msg, sizeof(msg)), -SL_DP_E_NOENT);
	ck_assert_ptr_nonnull(strstr(msg, "no flow 1"));
	ck_assert_int_eq(dp_flowtab_del(ft, id1, msg, sizeof(msg)), -SL_DP_E_NOENT);
	ck_assert_uint_eq(dp_flowtab_count(ft), 1);
	/* Ids are not reused. */
	dt_spec_forward(&s, 2, 4000, 5000);
	ck_assert_uint_eq(add_ok(&s), 3);
}
END_TEST

START_TEST(duplicate_and_full)
{
	struct sl_dp_flow_spec s;
	char msg[256];
	uint64_t id, first;
	struct dp_flowtab *small;

	dt_spec_forward(&s, 2, 4000, 5000);
	first = add_ok(&s);
	ck_assert_int_eq(dp_flowtab_add(ft, &s, &id, msg, sizeof(msg)), -SL_DP_E_EXISTS);
	ck_assert_msg(strstr(msg, "flow 1 already"), "%s", msg);
	/* Any-src flows ignore the source: two with different sources clash. */
	s.match.flags = SL_DP_MATCH_ANY_SRC;
	add_ok(&s);
	s.match.src[3] = 99;
	s.match.sport = 1;
	ck_assert_int_eq(dp_flowtab_add(ft, &s, &id, msg, sizeof(msg)), -SL_DP_E_EXISTS);
	(void)first;

	small = dp_flowtab_create(&dt_dp, 8, dt_dp.nworkers, msg, sizeof(msg));
	ck_assert_ptr_nonnull(small);
	for (unsigned i = 0; i < 8; i++) {
		dt_spec_forward(&s, i, 4000, 5000);
		ck_assert_int_eq(dp_flowtab_add(small, &s, &id, msg, sizeof(msg)), 0);
	}
	dt_spec_forward(&s, 8, 4000, 5000);
	ck_assert_int_eq(dp_flowtab_add(small, &s, &id, msg, sizeof(msg)), -SL_DP_E_FULL);
	ck_assert_msg(strstr(msg, "full"), "%s", msg);
	ck_assert_int_eq(dp_flowtab_del(small, 3, msg, sizeof(msg)), 0);
	ck_assert_int_eq(dp_flowtab_add(small, &s, &id, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(id, 9);
	ck_assert_uint_eq(dp_flowtab_flush(small), 8);
	dp_flowtab_free(small);
}
END_TEST

/* Every field check: a mutation of a good spec, the code, words of the message. */
struct bad_case {
	const char *what;
	void (*mutate)(struct sl_dp_flow_spec *s);
	int code;
	const char *needle;
};

#define MUT(name, body) static void name(struct sl_dp_flow_spec *s) { body; }
MUT(m_action, s->action = 9)
MUT(m_flags, s->flags = 0x80)
MUT(m_in_port, s->match.in_port = 7)
MUT(m_ipver, s->match.ip_version = 5)
MUT(m_mflags, s->match.flags = 4)
MUT(m_dport0, s->match.dport = 0)
MUT(m_v4dst, s->match.dst[5] = 1)
MUT(m_v4src, s->match.src[15] = 1)
MUT(m_out_port, s->out_port = 9)
MUT(m_worker, s->worker = 5)
MUT(m_rwflags, s->rewrite.flags = 8)
MUT(m_rwdst, s->rewrite.flags = SL_DP_RW_IP; s->rewrite.sport = 1; s->rewrite.dport = 2;
    s->rewrite.dst[4] = 1)
MUT(m_rwport, s->rewrite.flags = SL_DP_RW_IP; s->rewrite.sport = 0; s->rewrite.dport = 2)
MUT(m_suite, s->out.suite = 99)
MUT(m_nkeys0, s->out.nkeys = 0)
MUT(m_nkeys9, s->out.nkeys = 9)
MUT(m_mki5, s->out.mki_len = 5)
MUT(m_multikey_nomki, s->out.nkeys = 2)
MUT(m_active, s->out.active_key = 1)
MUT(m_window100, s->out.replay_window = 100)
MUT(m_window16, s->out.replay_window = 16)
MUT(m_window64k, s->out.replay_window = 65535)
MUT(m_srtpflags, s->out.flags = 0x100)
MUT(m_protect_in, dt_srtp(&s->in, 0, 0))
MUT(m_forward_keys, s->action = SL_DP_ACT_FORWARD)
MUT(m_drop_keys, s->action = SL_DP_ACT_DROP)
MUT(m_unprotect_noin, s->action = SL_DP_ACT_UNPROTECT; memset(&s->out, 0, sizeof(s->out)))
MUT(m_rekey_noin, s->action = SL_DP_ACT_REKEY)

static const struct bad_case bad[] = {
	{ "action", m_action, SL_DP_E_INVAL, "action: 9" },
	{ "flags", m_flags, SL_DP_E_INVAL, "flags: unknown" },
	{ "in_port", m_in_port, SL_DP_E_PORT, "match.in_port: 7" },
	{ "ip_version", m_ipver, SL_DP_E_INVAL, "match.ip_version" },
	{ "match flags", m_mflags, SL_DP_E_INVAL, "match.flags" },
	{ "dport 0", m_dport0, SL_DP_E_INVAL, "match.dport" },
	{ "v4 dst bytes", m_v4dst, SL_DP_E_INVAL, "match.dst: IPv4" },
	{ "v4 src bytes", m_v4src, SL_DP_E_INVAL, "match.src: IPv4" },
	{ "out_port", m_out_port, SL_DP_E_PORT, "out_port: 9" },
	{ "worker", m_worker, SL_DP_E_INVAL, "worker: 5" },
	{ "rewrite flags", m_rwflags, SL_DP_E_INVAL, "rewrite.flags" },
	{ "rewrite dst", m_rwdst, SL_DP_E_INVAL, "rewrite.dst: IPv4" },
	{ "rewrite port", m_rwport, SL_DP_E_INVAL, "rewrite.sport" },
	{ "suite", m_suite, SL_DP_E_INVAL, "out.suite: 99" },
	{ "nkeys 0", m_nkeys0, SL_DP_E_INVAL, "out.nkeys: 0" },
	{ "nkeys 9", m_nkeys9, SL_DP_E_INVAL, "out.nkeys: 9" },
	{ "mki_len", m_mki5, SL_DP_E_INVAL, "out.mki_len: 5" },
	{ "2 keys no mki", m_multikey_nomki, SL_DP_E_INVAL, "out.mki_len" },
	{ "active_key", m_active, SL_DP_E_INVAL, "out.active_key: 1" },
	{ "window 100", m_window100, SL_DP_E_INVAL, "out.replay_window: 100" },
	{ "window 16", m_window16, SL_DP_E_INVAL, "out.replay_window: 16" },
	{ "window 65535", m_window64k, SL_DP_E_INVAL, "out.replay_window" },
	{ "srtp flags", m_srtpflags, SL_DP_E_INVAL, "out.flags" },
	{ "protect with in keys", m_protect_in, SL_DP_E_INVAL, "in: action srtp-protect" },
	{ "forward with keys", m_forward_keys, SL_DP_E_INVAL, "out: action forward" },
	{ "drop with keys", m_drop_keys, SL_DP_E_INVAL, "out: action drop" },
	{ "unprotect without in", m_unprotect_noin, SL_DP_E_INVAL, "in.nkeys: 0" },
	{ "rekey without in", m_rekey_noin, SL_DP_E_INVAL, "in.nkeys: 0" },
};

START_TEST(invalid_fields)
{
	struct sl_dp_flow_spec s;
	char msg[256];
	uint64_t id;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dt_spec_action(&s, SL_DP_ACT_PROTECT, 2, 4000, 5000);
		bad[i].mutate(&s);
		msg[0] = 0;
		ck_assert_msg(dp_flowtab_add(ft, &s, &id, msg, sizeof(msg)) == -bad[i].code,
			      "%s: wrong code (%s)", bad[i].what, msg);
		ck_assert_msg(strstr(msg, bad[i].needle), "%s: message \"%s\" lacks \"%s\"",
			      bad[i].what, msg, bad[i].needle);
	}
	ck_assert_uint_eq(dp_flowtab_count(ft), 0);
	/* The base spec itself is fine. */
	dt_spec_action(&s, SL_DP_ACT_PROTECT, 2, 4000, 5000);
	add_ok(&s);
}
END_TEST

START_TEST(any_src_fallback)
{
	struct sl_dp_flow_spec s;
	struct sl_dp_flow_match k[3];
	const struct sl_dp_flow_match *kp[3] = { &k[0], &k[1], &k[2] };
	struct dp_flow *out[3];
	const uint8_t a[4] = { 10, 0, 0, 5 }, b[4] = { 10, 0, 0, 6 };
	uint64_t exact, any;

	dt_spec_forward(&s, 5, 4000, 5000);
	exact = add_ok(&s);
	/* Before any ANY_SRC flow exists other sources match nothing. */
	ck_assert_ptr_null(lookup_src(6, 4000, 5000));
	dt_spec_forward(&s, 123, 999, 5000);
	s.match.flags = SL_DP_MATCH_ANY_SRC;
	any = add_ok(&s);
	dt_pkt_key(&k[0], 0, a, DST, 4000, 5000);  /* exact wins */
	dt_pkt_key(&k[1], 0, b, DST, 4444, 5000);  /* falls back to any-src */
	dt_pkt_key(&k[2], 0, b, DST, 4444, 5001);  /* other port: nothing */
	dp_flowtab_lookup_bulk(ft, kp, 3, out);
	ck_assert_ptr_nonnull(out[0]);
	ck_assert_uint_eq(out[0]->id, exact);
	ck_assert_ptr_nonnull(out[1]);
	ck_assert_uint_eq(out[1]->id, any);
	ck_assert_uint_eq(out[1]->match.flags, SL_DP_MATCH_ANY_SRC);
	ck_assert_uint_eq(out[1]->match.sport, 0);
	ck_assert_ptr_null(out[2]);
	/* Other in_port: nothing. */
	dt_pkt_key(&k[1], 1, b, DST, 4444, 5000);
	ck_assert_ptr_null(dt_lookup(ft, &k[1]));
	ck_assert_int_eq(dp_flowtab_del(ft, any, NULL, 0), 0);
	ck_assert_ptr_null(lookup_src(6, 4444, 5000));
}
END_TEST

START_TEST(mod_keeps_or_replaces_streams)
{
	struct sl_dp_flow_spec s;
	struct sl_dp_flow_info fi;
	struct dp_flow *f0, *f1;
	char msg[256];
	uint64_t id, clears;

	dt_spec_action(&s, SL_DP_ACT_REKEY, 2, 4000, 5000);
	id = add_ok(&s);
	f0 = lookup_src(2, 4000, 5000);
	ck_assert_ptr_nonnull(f0);
	ck_assert_ptr_nonnull(f0->in);
	ck_assert_ptr_nonnull(f0->out);
	f0->st->c.pkts_in = 42;      /* as a worker would */

	/* Same keys, new cookie and output port: contexts and counters stay. */
	s.id = id;
	s.cookie = 9;
	s.out_port = 0;
	clears = dt_sess_clears;
	{
		struct sl_srtp_stream *in0 = f0->in, *out0 = f0->out;

		ck_assert_msg(dp_flowtab_mod(ft, &s, msg, sizeof(msg)) == 0, "%s", msg);
		f1 = lookup_src(2, 4000, 5000);
		ck_assert_ptr_nonnull(f1);
		ck_assert_ptr_ne(f1, f0);   /* a new version was published */
		ck_assert_ptr_eq(f1->in, in0);
		ck_assert_ptr_eq(f1->out, out0);
	}
	ck_assert_uint_eq(f1->cookie, 9);
	ck_assert_uint_eq(f1->out_port, 0);
	ck_assert_uint_eq(dt_sess_clears, clears);
	ck_assert_int_eq(dp_flowtab_get(ft, id, &fi, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(fi.c.pkts_in, 42);
	ck_assert_uint_eq(fi.cookie, 9);

	/* New out key: a new outbound context, the old one wiped, in kept. */
	{
		struct sl_srtp_stream *in = f1->in, *out = f1->out;

		s.out.keys[0].key[3] ^= 1;
		ck_assert_msg(dp_flowtab_mod(ft, &s, msg, sizeof(msg)) == 0, "%s", msg);
		f1 = lookup_src(2, 4000, 5000);
		ck_assert_ptr_eq(f1->in, in);
		ck_assert_ptr_ne(f1->out, out);
		ck_assert_uint_gt(dt_sess_clears, clears);
	}

	/* Match and worker cannot change. */
	s.match.dport = 5002;
	ck_assert_int_eq(dp_flowtab_mod(ft, &s, msg, sizeof(msg)), -SL_DP_E_INVAL);
	ck_assert_msg(strstr(msg, "match") && strstr(msg, "delete"), "%s", msg);
	s.match.dport = 5000;
	s.worker = f1->worker ? 0 : 1;
	ck_assert_int_eq(dp_flowtab_mod(ft, &s, msg, sizeof(msg)), -SL_DP_E_INVAL);
	ck_assert_msg(strstr(msg, "worker"), "%s", msg);
	s.worker = 0xffff;
	s.id = 999;
	ck_assert_int_eq(dp_flowtab_mod(ft, &s, msg, sizeof(msg)), -SL_DP_E_NOENT);
	/* Invalid spec: nothing changed. */
	s.id = id;
	s.out.nkeys = 0;
	ck_assert_int_eq(dp_flowtab_mod(ft, &s, msg, sizeof(msg)), -SL_DP_E_INVAL);
	ck_assert_ptr_eq(lookup_src(2, 4000, 5000), f1);
}
END_TEST

START_TEST(info_roc_no_keys)
{
	struct sl_dp_flow_spec s;
	struct sl_dp_flow_info fi;
	uint64_t id;
	const uint8_t *p = (const uint8_t *)&fi;
	unsigned run = 0;

	dt_spec_action(&s, SL_DP_ACT_PROTECT, 2, 4000, 5000);
	s.out.roc = 7;
	s.out.ssrc = 0x1234;
	s.out.flags = SL_DP_SRTP_SSRC_SET;
	s.out.suite = 4; /* AEAD_AES_128_GCM */
	id = add_ok(&s);
	ck_assert_int_eq(dp_flowtab_get(ft, id, &fi, NULL, 0), 0);
	ck_assert_uint_eq(fi.out_suite, 4);
	ck_assert_uint_eq(fi.in_suite, 0xff);
	ck_assert_uint_eq(fi.out_roc, 7);
	ck_assert_uint_eq(fi.out_ssrc, 0x1234);
	for (size_t i = 0; i < sizeof(fi); i++) {
		run = p[i] == DT_KEY_BYTE ? run + 1 : 0;
		ck_assert_msg(run < 4, "flow info carries key bytes at %zu", i);
	}
}
END_TEST

START_TEST(list_and_flush)
{
	struct sl_dp_flow_spec s;
	static struct sl_dp_flow_info fi[SL_DP_LIST_MAX];
	uint64_t cursor = 0, next, prev = 0, seen = 0;
	unsigned n;

	for (unsigned i = 0; i < 300; i++) {
		dt_spec_forward(&s, i & 0xff, 1000 + i, 5000);
		add_ok(&s);
	}
	for (uint64_t id = 1; id <= 300; id += 3)
		ck_assert_int_eq(dp_flowtab_del(ft, id, NULL, 0), 0);
	do {
		n = dp_flowtab_list(ft, cursor, SL_DP_LIST_MAX, fi, &next);
		for (unsigned i = 0; i < n; i++) {
			ck_assert_uint_gt(fi[i].id, prev);
			ck_assert_uint_ne(fi[i].id % 3, 1);
			prev = fi[i].id;
		}
		seen += n;
		cursor = next;
	} while (next);
	ck_assert_uint_eq(seen, 200);
	ck_assert_uint_eq(dp_flowtab_count(ft), 200);
	/* A cursor in the middle starts there. */
	n = dp_flowtab_list(ft, 151, 2, fi, &next);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(fi[0].id, 152);
	ck_assert_uint_eq(fi[1].id, 153);
	ck_assert_uint_eq(next, 155);
	ck_assert_uint_eq(dp_flowtab_flush(ft), 200);
	ck_assert_uint_eq(dp_flowtab_count(ft), 0);
	ck_assert_uint_eq(dp_flowtab_list(ft, 0, 10, fi, &next), 0);
	ck_assert_uint_eq(next, 0);
	ck_assert_ptr_null(lookup_src(2, 1002, 5000));
	/* Capacity is free again and ids keep growing. */
	dt_spec_forward(&s, 1, 1, 5000);
	ck_assert_uint_eq(add_ok(&s), 301);
}
END_TEST

START_TEST(worker_choice)
{
	struct sl_dp_flow_spec s;
	struct sl_dp_flow_info fi;
	unsigned per[2] = { 0, 0 };

	dt_spec_forward(&s, 1, 1, 5000);
	s.worker = 1;
	add_ok(&s);
	dt_spec_forward(&s, 2, 1, 5000);
	s.worker = 1;
	add_ok(&s);
	for (unsigned i = 0; i < 6; i++) {
		uint64_t id;

		dt_spec_forward(&s, 10 + i, 1, 5000);
		id = add_ok(&s);
		ck_assert_int_eq(dp_flowtab_get(ft, id, &fi, NULL, 0), 0);
		per[fi.worker]++;
	}
	/* Least loaded first: worker 0 gets 4 of 6, then they alternate. */
	ck_assert_uint_eq(per[0], 4);
	ck_assert_uint_eq(per[1], 2);
}
END_TEST

/* EAL pinned this thread to lcore 0; threads standing in for workers may
 * run anywhere, as real workers run on their own cores. */
static void spawn(pthread_t *th, void *(*fn)(void *), void *arg)
{
	pthread_attr_t at;
	cpu_set_t all;

	CPU_ZERO(&all);
	for (int c = 0; c < CPU_SETSIZE && c < 1024; c++)
		CPU_SET(c, &all);
	pthread_attr_init(&at);
	pthread_attr_setaffinity_np(&at, sizeof(all), &all);
	ck_assert_int_eq(pthread_create(th, &at, fn, arg), 0);
	pthread_attr_destroy(&at);
}

/* ---- grace period: keys are wiped only after readers let go ------------ */

struct holder {
	struct dp_flowtab *t;
	struct dp_flow *f;
	volatile int stage;          /* 1: holding, 2: release asked, 3: released */
	uint64_t seen;
};

static void *hold_reader(void *arg)
{
	struct holder *h = arg;

	dp_flowtab_worker_online(h->t, 0);
	h->f = lookup_src(2, 4000, 5000);
	__atomic_store_n(&h->stage, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&h->stage, __ATOMIC_ACQUIRE) != 2)
		usleep(1000);
	/* Still valid memory (ASan would say otherwise). */
	h->seen = h->f->st->c.pkts_in + h->f->id;
	dp_flowtab_quiescent(h->t, 0);
	dp_flowtab_worker_offline(h->t, 0);
	__atomic_store_n(&h->stage, 3, __ATOMIC_RELEASE);
	return NULL;
}

struct deleter {
	uint64_t id;
	volatile int done;
};

static void *do_del(void *arg)
{
	struct deleter *d = arg;

	dp_flowtab_del(ft, d->id, NULL, 0);
	__atomic_store_n(&d->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

START_TEST(grace_before_wipe)
{
	struct sl_dp_flow_spec s;
	struct holder h = { .t = ft };
	struct deleter d;
	pthread_t th, td;
	uint64_t clears;

	dt_spec_action(&s, SL_DP_ACT_PROTECT, 2, 4000, 5000);
	d.id = add_ok(&s);
	d.done = 0;
	spawn(&th, hold_reader, &h);
	while (__atomic_load_n(&h.stage, __ATOMIC_ACQUIRE) != 1)
		usleep(1000);
	ck_assert_ptr_nonnull(h.f);
	clears = dt_sess_clears;
	spawn(&td, do_del, &d);
	/* The delete waits for the reader; no session was wiped meanwhile. */
	usleep(200 * 1000);
	ck_assert_int_eq(__atomic_load_n(&d.done, __ATOMIC_ACQUIRE), 0);
	ck_assert_uint_eq(dt_sess_clears, clears);
	ck_assert_ptr_null(lookup_src(2, 4000, 5000));
	__atomic_store_n(&h.stage, 2, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	pthread_join(td, NULL);
	ck_assert_int_eq(d.done, 1);
	/* The outbound stream's sessions (SRTP and SRTCP) were wiped. */
	ck_assert_uint_ge(dt_sess_clears, clears + 2);
	ck_assert_uint_eq(h.seen, d.id);
}
END_TEST

/* ---- readers racing the writer ----------------------------------------- */

#define RACE_KEYS 64

struct racer {
	volatile int stop;
	uint64_t lookups, hits, bad;
};

static void *race_reader(void *arg)
{
	struct racer *r = arg;
	struct sl_dp_flow_match k[RACE_KEYS];
	const struct sl_dp_flow_match *kp[DP_BURST];
	struct dp_flow *out[DP_BURST];
	unsigned round = 0;

	for (unsigned i = 0; i < RACE_KEYS; i++) {
		const uint8_t src[4] = { 10, 0, 0, (uint8_t)i };

		dt_pkt_key(&k[i], 0, src, DST, 4000, 5000);
	}
	dp_flowtab_worker_online(ft, 0);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		for (unsigned i = 0; i < DP_BURST; i++)
			kp[i] = &k[(round * 7 + i) % RACE_KEYS];
		dp_flowtab_lookup_bulk(ft, kp, DP_BURST, out);
		for (unsigned i = 0; i < DP_BURST; i++) {
			const struct dp_flow *f = out[i];

			if (!f)
				continue;
			r->hits++;
			/* A flow found for a key is that key's flow, whole. */
			if (memcmp(&f->match, kp[i], sizeof(f->match)) != 0 || f->id == 0 ||
			    !f->st || f->cookie != f->id * 3 ||
			    (f->action == SL_DP_ACT_PROTECT && !f->out))
				r->bad++;
			f->st->c.pkts_in++; /* as the owning worker would */
		}
		r->lookups += DP_BURST;
		round++;
		dp_flowtab_quiescent(ft, 0);
	}
	dp_flowtab_worker_offline(ft, 0);
	return NULL;
}

START_TEST(concurrent_readers)
{
	struct racer r = { 0 };
	uint64_t ids[RACE_KEYS] = { 0 }, last_id = 0;
	struct sl_dp_flow_spec s;
	pthread_t th;
	unsigned seed = 12345;
	char msg[256];

	spawn(&th, race_reader, &r);
	for (unsigned op = 0; op < 4000; op++) {
		unsigned i = rand_r(&seed) % RACE_KEYS;

		if (!ids[i]) {
			uint64_t id;

			if (op % 5 == 0)
				dt_spec_action(&s, SL_DP_ACT_PROTECT, i, 4000, 5000);
			else
				dt_spec_forward(&s, i, 4000, 5000);
			/* cookie = 3 * id lets the reader check that what it
			 * found is one whole version; ids are 1, 2, 3, ... */
			s.cookie = (last_id + 1) * 3;
			ck_assert_int_eq(dp_flowtab_add(ft, &s, &id, msg, sizeof(msg)), 0);
			ck_assert_uint_eq(id, last_id + 1);
			ids[i] = last_id = id;
		} else if (rand_r(&seed) & 1) {
			/* FLOW_MOD replaces everything but the match, also the action. */
			if (rand_r(&seed) & 1)
				dt_spec_action(&s, SL_DP_ACT_PROTECT, i, 4000, 5000);
			else
				dt_spec_forward(&s, i, 4000, 5000);
			s.id = ids[i];
			s.cookie = ids[i] * 3;
			s.out_port = rand_r(&seed) & 1;
			ck_assert_msg(dp_flowtab_mod(ft, &s, msg, sizeof(msg)) == 0, "%s", msg);
		} else {
			ck_assert_int_eq(dp_flowtab_del(ft, ids[i], msg, sizeof(msg)), 0);
			ids[i] = 0;
		}
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	printf("concurrent readers: %llu lookups, %llu hits, %llu inconsistent\n",
	       (unsigned long long)r.lookups, (unsigned long long)r.hits,
	       (unsigned long long)r.bad);
	ck_assert_uint_eq(r.bad, 0);
	ck_assert_uint_gt(r.lookups, 0);
}
END_TEST

/* ---- latching ------------------------------------------------------------ */

START_TEST(latch_updates_peer)
{
	struct sl_dp_flow_spec a, b;
	struct sl_dp_flow_info fi;
	struct sl_dp_event_latch ev = { 0 };
	struct dp_flow *fa, *fb;
	struct sl_srtp_stream *bout;
	uint64_t ida, idb;
	const uint8_t phone[4] = { 192, 168, 7, 9 }, trunk[4] = { 172, 16, 0, 2 },
		      ours[4] = { 172, 16, 0, 1 };

	/* a: phone -> us on port 0 (SRTP in, any source, latch);
	 * b: trunk -> us on port 1, RTP protected toward the phone on port 0. */
	dt_spec_action(&a, SL_DP_ACT_UNPROTECT, 0, 0, 5000);
	a.match.flags = SL_DP_MATCH_ANY_SRC;
	a.flags = SL_DP_FLOW_LATCH;
	ida = add_ok(&a);
	dt_spec_action(&b, SL_DP_ACT_PROTECT, 0, 7000, 6000);
	b.match.in_port = 1;
	memcpy(b.match.src, trunk, 4);
	memcpy(b.match.dst, ours, 4);
	b.out_port = 0;
	b.peer_id = ida;
	idb = add_ok(&b);
	a.id = ida;
	a.peer_id = idb;
	ck_assert_int_eq(dp_flowtab_mod(ft, &a, NULL, 0), 0);

	fb = NULL;
	{
		struct sl_dp_flow_match k;

		dp_flow_key(&k, 1, 4, trunk, ours, 7000, 6000);
		fb = dt_lookup(ft, &k);
		dp_flow_key(&k, 0, 4, phone, DST, 40000, 5000);
		fa = dt_lookup(ft, &k);
	}
	ck_assert_ptr_nonnull(fa);
	ck_assert_ptr_nonnull(fb);
	bout = fb->out;
	/* What a worker does when a packet from the phone authenticates. */
	memcpy(fa->st->latched_src, phone, 4);
	fa->st->latched_sport = 40000;
	__atomic_store_n(&fa->st->latched, 1, __ATOMIC_RELEASE);
	ev.flow_id = ida;
	ev.ip_version = 4;
	ev.sport = 40000;
	memcpy(ev.src, phone, 4);
	dp_flowtab_latch_apply(ft, &ev);

	ck_assert_int_eq(dp_flowtab_get(ft, idb, &fi, NULL, 0), 0);
	ck_assert_uint_eq(fi.rewrite.flags & SL_DP_RW_IP, SL_DP_RW_IP);
	ck_assert_mem_eq(fi.rewrite.dst, phone, 4);
	ck_assert_uint_eq(fi.rewrite.dport, 40000);
	/* Replies come from where the phone sends to (a's destination). */
	ck_assert_mem_eq(fi.rewrite.src, DST, 4);
	ck_assert_uint_eq(fi.rewrite.sport, 5000);
	ck_assert_int_eq(dp_flowtab_get(ft, ida, &fi, NULL, 0), 0);
	ck_assert_uint_eq(fi.latched, 1);
	ck_assert_uint_eq(fi.latched_sport, 40000);
	{
		struct sl_dp_flow_match k;

		dp_flow_key(&k, 1, 4, trunk, ours, 7000, 6000);
		fb = dt_lookup(ft, &k);
	}
	/* Same stream (context continues), new version. */
	ck_assert_ptr_eq(fb->out, bout);
	ck_assert(fb->owns_streams);
	/* A later FLOW_MOD of b keeps the learned address. */
	b.id = idb;
	b.cookie = 5;
	ck_assert_int_eq(dp_flowtab_mod(ft, &b, NULL, 0), 0);
	ck_assert_int_eq(dp_flowtab_get(ft, idb, &fi, NULL, 0), 0);
	ck_assert_mem_eq(fi.rewrite.dst, phone, 4);
	ck_assert_uint_eq(fi.rewrite.dport, 40000);
	/* Deleting b then a frees everything once (ASan checks double frees). */
	ck_assert_int_eq(dp_flowtab_del(ft, idb, NULL, 0), 0);
	ck_assert_int_eq(dp_flowtab_del(ft, ida, NULL, 0), 0);
}
END_TEST

/* ---- a million flows ------------------------------------------------------ */

static uint64_t rss_bytes(void)
{
	unsigned long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%lu %lu", &size, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return (uint64_t)rss * sysconf(_SC_PAGESIZE);
}

START_TEST(one_million)
{
	struct dp_flowtab *big;
	struct sl_dp_flow_spec s;
	struct rte_malloc_socket_stats before, after;
	char msg[256];
	uint64_t id;
	const uint32_t cap = 1000000;
	uint64_t rss0;

	rss0 = rss_bytes();
	rte_malloc_get_socket_stats(0, &before);
	big = dp_flowtab_create(&dt_dp, cap, 2, msg, sizeof(msg));
	ck_assert_msg(big, "%s", msg);
	rte_malloc_get_socket_stats(0, &after);
	printf("flow table of %u flows: %.1f MiB of DPDK memory\n", cap,
	       (after.heap_allocsz_bytes - before.heap_allocsz_bytes) / 1048576.0);
	dt_spec_forward(&s, 0, 0, 0);
	for (uint32_t i = 0; i < cap; i++) {
		s.match.src[1] = i >> 16;
		s.match.src[2] = i >> 8;
		s.match.src[3] = i;
		s.match.sport = 1 + (i & 0x7fff);
		s.match.dport = 5000;
		ck_assert_int_eq(dp_flowtab_add(big, &s, &id, msg, sizeof(msg)), 0);
	}
	ck_assert_uint_eq(dp_flowtab_count(big), cap);
	printf("%u forward flows: %.0f bytes of process heap per flow (besides DPDK memory)\n",
	       cap, (double)(rss_bytes() - rss0) / cap);
	s.match.src[0] = 11;
	ck_assert_int_eq(dp_flowtab_add(big, &s, &id, msg, sizeof(msg)), -SL_DP_E_FULL);
	ck_assert_uint_eq(dp_flowtab_flush(big), cap);
	dp_flowtab_free(big);
}
END_TEST

Suite *dt_suite_flowtab(void)
{
	Suite *s = suite_create("flowtab");
	TCase *tc = tcase_create("ops");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, add_get_del);
	tcase_add_test(tc, duplicate_and_full);
	tcase_add_test(tc, invalid_fields);
	tcase_add_test(tc, any_src_fallback);
	tcase_add_test(tc, mod_keeps_or_replaces_streams);
	tcase_add_test(tc, info_roc_no_keys);
	tcase_add_test(tc, list_and_flush);
	tcase_add_test(tc, worker_choice);
	tcase_add_test(tc, grace_before_wipe);
	tcase_add_test(tc, concurrent_readers);
	tcase_add_test(tc, latch_updates_peer);
	suite_add_tcase(s, tc);
	tc = tcase_create("capacity");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, one_million);
	suite_add_tcase(s, tc);
	return s;
}
