/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tables (stdout and markdown), the target checks, the markdown
 * section between <!-- bench:srtp:begin --> and <!-- bench:srtp:end -->,
 * and the JSON dump.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#define MARK_BEGIN "<!-- bench:srtp:begin -->"
#define MARK_END "<!-- bench:srtp:end -->"

static const enum bench_impl table_impls[] = {
	IMPL_OURS_IPSECMB, IMPL_OURS_OPENSSL, IMPL_OURS_CRYPTODEV, IMPL_LIBSRTP2, IMPL_RAW_IPSECMB,
};
#define N_TABLE_IMPLS (sizeof(table_impls) / sizeof(table_impls[0]))

static bool ok_cell(const struct bench_result *r)
{
	return r && r->measured && r->valid;
}

/* The raw bound does not depend on the stream count: it is measured once. */
static const struct bench_result *find_cell(const struct bench_results *rs, enum bench_impl impl,
					    enum sl_srtp_suite suite, unsigned payload,
					    unsigned streams, enum bench_op op)
{
	return bench_find(rs, impl, suite, payload, impl == IMPL_RAW_IPSECMB ? 1 : streams, op);
}

static void fmt_cell(char *out, size_t n, const struct bench_result *r)
{
	if (!r)
		snprintf(out, n, "–");
	else if (!r->measured)
		snprintf(out, n, "n/a");
	else if (!r->valid)
		snprintf(out, n, "INVALID");
	else
		snprintf(out, n, r->mpps >= 0.1 ? "%.3f (%.0f)%s" : "%.2g (%.0f)%s", r->mpps,
			 r->cyc_per_pkt, r->extrapolated ? "*" : "");
}

static bool impl_present(const struct bench_results *rs, enum bench_impl impl)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->r[i].impl == impl)
			return true;
	return false;
}

static void suite_table(FILE *f, const struct bench_cfg *cfg, const struct bench_results *rs,
			enum sl_srtp_suite suite)
{
	char cell[64];

	fprintf(f, "\n#### %s\n\n| payload | streams | op |", bench_suite_name(suite));
	for (unsigned k = 0; k < N_TABLE_IMPLS; k++)
		if (impl_present(rs, table_impls[k]))
			fprintf(f, " %s |", bench_impl_name(table_impls[k]));
	fprintf(f, " ipsec-mb ÷ libsrtp2 | ipsec-mb ÷ raw (cycles) |\n|---:|---:|---|");
	for (unsigned k = 0; k < N_TABLE_IMPLS; k++)
		if (impl_present(rs, table_impls[k]))
			fprintf(f, "---:|");
	fprintf(f, "---:|---:|\n");
	for (unsigned p = 0; p < cfg->n_payloads; p++)
		for (unsigned s = 0; s < cfg->n_streams; s++)
			for (int op = 0; op < BENCH_OP__COUNT; op++) {
				unsigned pl = cfg->payloads[p], ns = cfg->streams[s];
				fprintf(f, "| %u | %u | %s |", pl, ns, bench_op_name((enum bench_op)op));
				for (unsigned k = 0; k < N_TABLE_IMPLS; k++) {
					if (!impl_present(rs, table_impls[k]))
						continue;
					fmt_cell(cell, sizeof(cell),
						 find_cell(rs, table_impls[k], suite, pl, ns, (enum bench_op)op));
					fprintf(f, " %s |", cell);
				}
				const struct bench_result *o = find_cell(rs, IMPL_OURS_IPSECMB, suite, pl, ns, (enum bench_op)op);
				const struct bench_result *l = find_cell(rs, IMPL_LIBSRTP2, suite, pl, ns, (enum bench_op)op);
				const struct bench_result *w = find_cell(rs, IMPL_RAW_IPSECMB, suite, pl, ns, (enum bench_op)op);
				if (ok_cell(o) && ok_cell(l))
					fprintf(f, " %.1f× |", o->mpps / l->mpps);
				else
					fprintf(f, " – |");
				if (ok_cell(o) && ok_cell(w))
					fprintf(f, " %.2f× |\n", o->cyc_per_pkt / w->cyc_per_pkt);
				else
					fprintf(f, " – |\n");
			}
}

static void state_table(FILE *f, const struct bench_cfg *cfg, const struct bench_results *rs)
{
	fprintf(f, "\n#### State per stream and stream setup\n\n"
		   "Bytes per stream: `sl_srtp_stream_size()` for our core (one allocation: both\n"
		   "RTP/RTCP contexts, engine sessions inline, replay windows); heap growth per\n"
		   "context (mallinfo2) for libsrtp2. Setup rate: contexts created per second,\n"
		   "key derivation included.\n\n| suite | implementation | bytes/stream | heap/stream |");
	for (unsigned s = 0; s < cfg->n_streams; s++)
		fprintf(f, " setup/s @%u |", cfg->streams[s]);
	fprintf(f, "\n|---|---|---:|---:|");
	for (unsigned s = 0; s < cfg->n_streams; s++)
		fprintf(f, "---:|");
	fprintf(f, "\n");
	for (int suite = 0; suite < SL_SUITE__COUNT; suite++) {
		if (!cfg->suites[suite])
			continue;
		for (int impl = 0; impl < IMPL_RAW_IPSECMB; impl++) {
			/* the largest measured set: one-time library allocations
			 * (NSS initialisation) spread over many contexts */
			const struct bench_setup *first = NULL;
			for (unsigned s = 0; s < cfg->n_streams; s++) {
				const struct bench_setup *x = bench_find_setup(rs, (enum bench_impl)impl,
					(enum sl_srtp_suite)suite, cfg->streams[s]);
				if (x && x->measured && (!first || x->streams > first->streams))
					first = x;
			}
			if (!impl_present(rs, (enum bench_impl)impl))
				continue;
			fprintf(f, "| %s | %s |", bench_suite_name((enum sl_srtp_suite)suite),
				bench_impl_name((enum bench_impl)impl));
			if (first)
				fprintf(f, " %zu | %zu |", first->state_bytes, first->heap_bytes);
			else
				fprintf(f, " n/a | n/a |");
			for (unsigned s = 0; s < cfg->n_streams; s++) {
				const struct bench_setup *x = bench_find_setup(rs, (enum bench_impl)impl,
					(enum sl_srtp_suite)suite, cfg->streams[s]);
				if (x && x->measured)
					fprintf(f, " %.0f |", x->create_per_s);
				else
					fprintf(f, " n/a%s%s |", x && x->note[0] ? ": " : "", x ? x->note : "");
			}
			fprintf(f, "\n");
		}
	}
}

static const struct bench_result *cell(const struct bench_results *rs, enum bench_impl impl,
				       enum sl_srtp_suite suite, unsigned streams, enum bench_op op)
{
	const struct bench_result *r = find_cell(rs, impl, suite, 160, streams, op);

	return ok_cell(r) ? r : NULL;
}

static unsigned add_target(struct bench_target *t, unsigned n, unsigned max, const char *what)
{
	if (n < max) {
		memset(&t[n], 0, sizeof(t[n]));
		t[n].what = what;
	}
	return n < max ? n + 1 : n;
}

static void target_rate(struct bench_target *t, const struct bench_result *r, double min)
{
	if (!r) {
		snprintf(t->figure, sizeof(t->figure), "not measured");
		return;
	}
	t->known = true;
	t->pass = r->mpps >= min;
	snprintf(t->figure, sizeof(t->figure), "%.2f Mpps (%.0f cycles/packet)", r->mpps, r->cyc_per_pkt);
}

static void target_ratio(struct bench_target *t, const struct bench_result *a,
			 const struct bench_result *b, bool cycles, double lim, bool at_most)
{
	if (!a || !b) {
		snprintf(t->figure, sizeof(t->figure), "not measured");
		return;
	}
	double x = cycles ? a->cyc_per_pkt / b->cyc_per_pkt : a->mpps / b->mpps;
	t->known = true;
	t->pass = at_most ? x <= lim : x >= lim;
	if (cycles)
		snprintf(t->figure, sizeof(t->figure), "%.2f× (%.0f vs %.0f cycles/packet)", x,
			 a->cyc_per_pkt, b->cyc_per_pkt);
	else
		snprintf(t->figure, sizeof(t->figure), "%.2f× (%.3g vs %.3g Mpps)", x, a->mpps, b->mpps);
}

unsigned bench_targets(const struct bench_results *rs, struct bench_target *t, unsigned max)
{
	const enum sl_srtp_suite cm = SL_SUITE_AES_CM_128_HMAC_SHA1_80, gcm = SL_SUITE_AEAD_AES_128_GCM;
	const enum bench_impl o = IMPL_OURS_IPSECMB;
	unsigned n = 0;

	n = add_target(t, n, max, "AES_CM_128_HMAC_SHA1_80 172 B ipsec-mb protect >= 3.0 Mpps");
	target_rate(&t[n - 1], cell(rs, o, cm, 1, BENCH_PROTECT), 3.0);
	n = add_target(t, n, max, "AES_CM_128_HMAC_SHA1_80 172 B ipsec-mb unprotect >= 2.8 Mpps");
	target_rate(&t[n - 1], cell(rs, o, cm, 1, BENCH_UNPROTECT), 2.8);
	n = add_target(t, n, max, "protect within 1.3x of raw IPsec-MB (cycles)");
	target_ratio(&t[n - 1], cell(rs, o, cm, 1, BENCH_PROTECT), cell(rs, IMPL_RAW_IPSECMB, cm, 1, BENCH_PROTECT), true, 1.3, true);
	n = add_target(t, n, max, "unprotect within 1.3x of raw IPsec-MB (cycles)");
	target_ratio(&t[n - 1], cell(rs, o, cm, 1, BENCH_UNPROTECT), cell(rs, IMPL_RAW_IPSECMB, cm, 1, BENCH_UNPROTECT), true, 1.3, true);
	n = add_target(t, n, max, "protect >= 10x libsrtp2");
	target_ratio(&t[n - 1], cell(rs, o, cm, 1, BENCH_PROTECT), cell(rs, IMPL_LIBSRTP2, cm, 1, BENCH_PROTECT), false, 10, false);
	n = add_target(t, n, max, "unprotect >= 10x libsrtp2");
	target_ratio(&t[n - 1], cell(rs, o, cm, 1, BENCH_UNPROTECT), cell(rs, IMPL_LIBSRTP2, cm, 1, BENCH_UNPROTECT), false, 10, false);
	n = add_target(t, n, max, "AEAD_AES_128_GCM 172 B ipsec-mb protect >= 4.5 Mpps");
	target_rate(&t[n - 1], cell(rs, o, gcm, 1, BENCH_PROTECT), 4.5);
	n = add_target(t, n, max, "AEAD_AES_128_GCM 172 B ipsec-mb unprotect >= 4.5 Mpps");
	target_rate(&t[n - 1], cell(rs, o, gcm, 1, BENCH_UNPROTECT), 4.5);
	for (int op = BENCH_PROTECT; op <= BENCH_UNPROTECT; op++) {
		/* against the one-stream cell timed in alternation with the
		 * 100,000-stream one when there is one (bench_ours.c) */
		const struct bench_result *h = bench_find_paired(rs, o, cm, 160, (enum bench_op)op);
		bool paired = ok_cell(h) && cell(rs, o, cm, 100000, (enum bench_op)op);

		n = add_target(t, n, max, op == BENCH_PROTECT ?
			       "AES_CM_128_HMAC_SHA1_80 protect at 100,000 streams >= 80% of 1 stream" :
			       "AES_CM_128_HMAC_SHA1_80 unprotect at 100,000 streams >= 80% of 1 stream");
		target_ratio(&t[n - 1], cell(rs, o, cm, 100000, (enum bench_op)op),
			     paired ? h : cell(rs, o, cm, 1, (enum bench_op)op), false, 0.8, false);
		if (paired && t[n - 1].known) {
			size_t l = strlen(t[n - 1].figure);

			snprintf(t[n - 1].figure + l, sizeof(t[n - 1].figure) - l,
				 ", the two timed in alternation");
		}
	}
	n = add_target(t, n, max, "state <= 1 KiB per stream, AES-CM suites (ipsec-mb)");
	{
		struct bench_target *x = &t[n - 1];
		size_t worst = 0;
		int seen = 0;
		for (int s = SL_SUITE_AES_CM_128_HMAC_SHA1_80; s <= SL_SUITE_AES_256_CM_HMAC_SHA1_32; s++)
			for (size_t i = 0; i < rs->ns; i++)
				if (rs->s[i].impl == o && rs->s[i].suite == (enum sl_srtp_suite)s && rs->s[i].measured) {
					seen++;
					if (rs->s[i].state_bytes > worst)
						worst = rs->s[i].state_bytes;
				}
		if (seen) {
			x->known = true;
			x->pass = worst <= 1024;
			snprintf(x->figure, sizeof(x->figure), "largest %zu bytes/stream", worst);
		} else {
			snprintf(x->figure, sizeof(x->figure), "not measured");
		}
	}
	return n;
}

static void target_lines(FILE *f, const struct bench_results *rs, bool md)
{
	struct bench_target t[16];
	unsigned n = bench_targets(rs, t, 16);

	if (md)
		fprintf(f, "\n#### Targets of issue 2 (one core, same run)\n\n| target | result | figure |\n|---|---|---|\n");
	else
		fprintf(f, "\nTargets (information only; never an exit failure):\n");
	for (unsigned i = 0; i < n; i++) {
		const char *res = !t[i].known ? "n/a" : t[i].pass ? "PASS" : "MISS";
		if (md)
			fprintf(f, "| %s | **%s** | %s |\n", t[i].what, res, t[i].figure);
		else
			fprintf(f, "  %-4s  %-72s %s\n", res, t[i].what, t[i].figure);
	}
}

static void tables(FILE *f, const struct bench_cfg *cfg, const struct bench_results *rs)
{
	fprintf(f, "\nCells: Mpps on one core (TSC cycles per packet); `*` = rate extrapolated from\n"
		   "fewer than 10,000 timed packets (time budget); `n/a` = not measured (reason in\n"
		   "the JSON/stderr); INVALID = some timed packet did not come back with status 0.\n"
		   "The raw IPsec-MB bound is one key, no SRTP logic: its figure is repeated on\n"
		   "every stream count.\n");
	for (int s = 0; s < SL_SUITE__COUNT; s++)
		if (cfg->suites[s])
			suite_table(f, cfg, rs, (enum sl_srtp_suite)s);
	state_table(f, cfg, rs);
}

void bench_print_tables(const struct bench_cfg *cfg, const struct bench_results *rs)
{
	tables(stdout, cfg, rs);
	target_lines(stdout, rs, false);
	fflush(stdout);
}

static void notes(FILE *f, const struct bench_results *rs)
{
	bool any = false;

	for (size_t i = 0; i < rs->n; i++) {
		const struct bench_result *r = &rs->r[i];
		if (!r->note[0] || (r->measured && r->valid && !r->extrapolated))
			continue;
		if (!any)
			fprintf(f, "\n<details><summary>Cell notes</summary>\n\n");
		any = true;
		fprintf(f, "- %s %s %u B, %u streams, %s: %s\n", bench_impl_name(r->impl),
			bench_suite_name(r->suite), r->payload, r->streams, bench_op_name(r->op), r->note);
	}
	if (any)
		fprintf(f, "\n</details>\n");
}

static void section(FILE *f, const struct bench_cfg *cfg, const struct bench_results *rs)
{
	char cpu[256], huge[128], date[64];
	const char *eal = getenv("SL_EAL_ARGS");
	time_t now = time(NULL);
	int cores;

	bench_machine(cpu, sizeof(cpu), &cores, huge, sizeof(huge));
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	fprintf(f, "%s\n## SRTP: `shieldlock-bench srtp`\n\n"
		   "_Generated by shieldlock-bench; everything between the bench:srtp markers is\n"
		   "replaced on the next run._\n\n"
		   "- date: %s\n- machine: %s, %d cores online, TSC %.3f GHz (calibrated against\n"
		   "  CLOCK_MONOTONIC), pinned to CPU %d; /proc/loadavg at start: %s\n"
		   "- memory: %s; cryptodev EAL %s\n"
		   "- command: `%s`\n- per cell: %.2f s timed (libsrtp2: %.2f s), bursts of %d, rounds of %u packets%s\n",
		MARK_BEGIN, date, cpu, cores, bench_tsc_hz / 1e9, cfg->core, cfg->loadavg, huge,
		eal && strstr(eal, "--in-memory") ? "with hugepages (--in-memory)" : "with --no-huge -m 512",
		cfg->cmdline, cfg->seconds, cfg->libsrtp_seconds, BENCH_BURST, cfg->round,
		cfg->max_packets < (UINT64_C(1) << 40) ? " (packet cap per cell)" : "");
	fprintf(f, "- libsrtp2 mode: %s\n",
		cfg->libsrtp_one_session ? "all streams in one srtp_t (its stream list is walked per packet)"
					 : "one srtp_t per stream (caller does the SSRC lookup, as with our API)");
	if (cfg->svg_rel)
		fprintf(f, "\n![Mpps vs streams, AES_CM_128_HMAC_SHA1_80, 160 B](%s/srtp-streams.svg)\n\n"
			   "![protect Mpps per suite, 1 stream, 160 B](%s/srtp-suites-protect.svg)\n\n"
			   "![unprotect Mpps per suite, 1 stream, 160 B](%s/srtp-suites-unprotect.svg)\n",
			cfg->svg_rel, cfg->svg_rel, cfg->svg_rel);
	target_lines(f, rs, true);
	tables(f, cfg, rs);
	notes(f, rs);
	fprintf(f, "\n%s\n", MARK_END);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t got = fread(buf + *len, 1, 4096, f);
		*len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[*len] = 0;
	return buf;
}

static const char default_header[] =
	"# Shieldlock benchmarks\n\n"
	"Every benchmark writes its own section of this file, with the command that\n"
	"produced it and the baselines measured in the same run.\n\n";

/* Replaces only the text between our markers; keeps everything else. */
int bench_write_markdown(const struct bench_cfg *cfg, const struct bench_results *rs)
{
	size_t len;
	char *old = read_all(cfg->output, &len);
	char tmp[1100];
	const char *pre = old ? old : default_header, *post = "";
	size_t prelen = strlen(pre);

	if (old) {
		char *b = strstr(old, MARK_BEGIN), *e = b ? strstr(b, MARK_END) : NULL;
		if (b && e) {
			prelen = (size_t)(b - old);
			post = e + strlen(MARK_END);
			if (*post == '\n')
				post++;
		}
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", cfg->output);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		free(old);
		return -errno;
	}
	fwrite(pre, 1, prelen, f);
	if (prelen && pre[prelen - 1] != '\n')
		fputc('\n', f);
	section(f, cfg, rs);
	fputs(post, f);
	int bad = ferror(f);
	bad |= fclose(f);
	free(old);
	if (bad || rename(tmp, cfg->output) < 0)
		return -EIO;
	fprintf(stderr, "shieldlock-bench: wrote the SRTP section of %s\n", cfg->output);
	return 0;
}

static const char *json_escape(const char *in, char *out, size_t n)
{
	size_t o = 0;

	for (; *in && o + 3 < n; in++) {
		if (*in == '"' || *in == '\\')
			out[o++] = '\\';
		out[o++] = (unsigned char)*in < 0x20 ? ' ' : *in;
	}
	out[o] = 0;
	return out;
}

int bench_write_json(const struct bench_cfg *cfg, const struct bench_results *rs)
{
	char esc[256];

	FILE *f = fopen(cfg->json, "w");

	if (!f)
		return -errno;
	fprintf(f, "{\n  \"command\": \"%s\",\n  \"tsc_hz\": %.0f,\n  \"cells\": [\n",
		json_escape(cfg->cmdline, esc, sizeof(esc)), bench_tsc_hz);
	for (size_t i = 0; i < rs->n; i++) {
		const struct bench_result *r = &rs->r[i];
		fprintf(f, "    {\"impl\": \"%s\", \"suite\": \"%s\", \"payload\": %u, \"streams\": %u, "
			   "\"op\": \"%s\", \"measured\": %s, \"valid\": %s, \"packets\": %llu, "
			   "\"failed\": %llu, \"mpps\": %.4f, \"cycles_per_packet\": %.1f, "
			   "\"cycles_per_packet_mean\": %.1f, \"paired\": %s, \"note\": \"%s\"}%s\n",
			bench_impl_name(r->impl), bench_suite_name(r->suite), r->payload, r->streams,
			bench_op_name(r->op), r->measured ? "true" : "false", r->valid ? "true" : "false",
			(unsigned long long)r->packets, (unsigned long long)r->failed, r->mpps,
			r->cyc_per_pkt, r->cyc_mean, r->paired ? "true" : "false",
			json_escape(r->note, esc, sizeof(esc)),
			i + 1 < rs->n ? "," : "");
	}
	fprintf(f, "  ],\n  \"setup\": [\n");
	for (size_t i = 0; i < rs->ns; i++) {
		const struct bench_setup *s = &rs->s[i];
		fprintf(f, "    {\"impl\": \"%s\", \"suite\": \"%s\", \"streams\": %u, \"measured\": %s, "
			   "\"streams_per_s\": %.0f, \"bytes_per_stream\": %zu, \"heap_per_stream\": %zu, "
			   "\"note\": \"%s\"}%s\n",
			bench_impl_name(s->impl), bench_suite_name(s->suite), s->streams,
			s->measured ? "true" : "false", s->create_per_s, s->state_bytes, s->heap_bytes,
			json_escape(s->note, esc, sizeof(esc)), i + 1 < rs->ns ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f) ? -errno : 0;
}
