/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small SVG writer (no dependencies) and the benchmark's plots:
 *  - srtp-streams.svg: Mpps vs number of streams (log x) per implementation,
 *    AES_CM_128_HMAC_SHA1_80, 160-byte payload, protect (solid) and
 *    unprotect (dashed);
 *  - srtp-suites-{protect,unprotect}.svg: grouped bars, Mpps per suite,
 *    1 stream, 160-byte payload, one bar per implementation.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"

#define W 980
#define H 480
#define ML 70   /* plot margins */
#define MR 260
#define MT 50
#define MB 70

static const char *const colours[IMPL__COUNT] = {
	[IMPL_OURS_IPSECMB] = "#1f77b4",
	[IMPL_OURS_OPENSSL] = "#2ca02c",
	[IMPL_OURS_CRYPTODEV] = "#9467bd",
	[IMPL_LIBSRTP2] = "#d62728",
	[IMPL_RAW_IPSECMB] = "#7f7f7f",
};

static const char *const short_names[SL_SUITE__COUNT][2] = {
	{ "AES-CM-128", "HMAC-SHA1-80" }, { "AES-CM-128", "HMAC-SHA1-32" },
	{ "AES-CM-256", "HMAC-SHA1-80" }, { "AES-CM-256", "HMAC-SHA1-32" },
	{ "AEAD", "AES-128-GCM" }, { "AEAD", "AES-256-GCM" }, { "NULL", "HMAC-SHA1-80" },
};

struct svg {
	FILE *f;
	double x0, x1, y0, y1;         /* data ranges */
	bool logx, logy;
};

static void svg_begin(struct svg *s, const char *title)
{
	fprintf(s->f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		      "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n"
		      "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n"
		      "<text x=\"%d\" y=\"28\" font-size=\"16\" font-weight=\"bold\">%s</text>\n",
		W, H, W, H, W, H, ML, title);
}

static double px(const struct svg *s, double x)
{
	double a = s->logx ? log10(x) : x, lo = s->logx ? log10(s->x0) : s->x0,
	       hi = s->logx ? log10(s->x1) : s->x1;

	return ML + (a - lo) / (hi - lo) * (W - ML - MR);
}

static double py(const struct svg *s, double y)
{
	if (s->logy)
		return H - MB - (log10(y) - log10(s->y0)) / (log10(s->y1) - log10(s->y0)) * (H - MT - MB);
	return H - MB - (y - s->y0) / (s->y1 - s->y0) * (H - MT - MB);
}

static void text(FILE *f, double x, double y, const char *anchor, const char *fmt, double v)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor);
	fprintf(f, fmt, v);
	fprintf(f, "</text>\n");
}

/* A "nice" axis maximum and tick step for [0, max]. */
static double nice_step(double max, double *top)
{
	double raw = max / 5, mag = pow(10, floor(log10(raw > 0 ? raw : 1))), step;

	step = raw / mag <= 1 ? mag : raw / mag <= 2 ? 2 * mag : raw / mag <= 5 ? 5 * mag : 10 * mag;
	*top = ceil(max / step) * step;
	if (*top <= 0)
		*top = step;
	return step;
}

static void y_axis(struct svg *s, double step, const char *label)
{
	for (double y = s->y0; y <= s->y1 * 1.0001 + (s->logy ? 0 : step / 2);
	     y = s->logy ? y * 10 : y + step) {
		fprintf(s->f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			ML, py(s, y), W - MR, py(s, y));
		if (s->logy)
			text(s->f, ML - 6, py(s, y) + 4, "end", y < 1 ? "%g" : "%.0f", y);
		else
			text(s->f, ML - 6, py(s, y) + 4, "end", step < 1 ? "%.1f" : "%.0f", y);
	}
	fprintf(s->f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n"
		      "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n"
		      "<text transform=\"translate(18,%d) rotate(-90)\" text-anchor=\"middle\">%s</text>\n",
		ML, MT, ML, H - MB, ML, H - MB, W - MR, H - MB, (H - MT - MB) / 2 + MT, label);
}

static void legend(FILE *f, unsigned i, const char *colour, const char *name, bool dashed)
{
	int y = MT + 10 + (int)i * 20;

	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"%s/>\n"
		   "<text x=\"%d\" y=\"%d\">%s</text>\n",
		W - MR + 15, y, W - MR + 40, y, colour, dashed ? " stroke-dasharray=\"6,4\"" : "",
		W - MR + 46, y + 4, name);
}

static int open_svg(const struct bench_cfg *cfg, const char *name, struct svg *s)
{
	char path[1200];

	snprintf(path, sizeof(path), "%s/%s", cfg->svg_dir, name);
	s->f = fopen(path, "w");
	return s->f ? 0 : -errno;
}

static int close_svg(struct svg *s)
{
	fprintf(s->f, "</svg>\n");
	return fclose(s->f) ? -errno : 0;
}

static const struct bench_result *good(const struct bench_results *rs, enum bench_impl impl,
				       enum sl_srtp_suite suite, unsigned streams, enum bench_op op)
{
	const struct bench_result *r = bench_find(rs, impl, suite, 160,
						  impl == IMPL_RAW_IPSECMB ? 1 : streams, op);

	return r && r->measured && r->valid ? r : NULL;
}

static int plot_streams(const struct bench_cfg *cfg, const struct bench_results *rs)
{
	const enum sl_srtp_suite suite = SL_SUITE_AES_CM_128_HMAC_SHA1_80;
	/* log-log: libsrtp2 at 10^4 streams is three decades below the rest */
	struct svg s = { .logx = true, .logy = true, .x0 = 1, .x1 = 10, .y0 = 1, .y1 = 1 };
	double ymax = 0, ymin = 1e9;
	unsigned nleg = 0;

	for (unsigned i = 0; i < cfg->n_streams; i++)
		while (s.x1 < cfg->streams[i])
			s.x1 *= 10;
	for (size_t i = 0; i < rs->n; i++) {
		const struct bench_result *r = &rs->r[i];
		if (r->suite != suite || r->payload != 160 || !r->measured || !r->valid)
			continue;
		ymax = r->mpps > ymax ? r->mpps : ymax;
		ymin = r->mpps < ymin ? r->mpps : ymin;
	}
	while (s.y1 < ymax)
		s.y1 *= 10;
	while (s.y0 > ymin && s.y0 > 1e-6)
		s.y0 /= 10;
	if (s.y0 >= s.y1)
		s.y0 = s.y1 / 10;
	if (open_svg(cfg, "srtp-streams.svg", &s) < 0)
		return -1;
	svg_begin(&s, "AES_CM_128_HMAC_SHA1_80, 12 B header + 160 B: Mpps vs streams (one core)");
	y_axis(&s, 0, "Mpps (one core, log scale)");
	for (double x = s.x0; x <= s.x1 * 1.0001; x *= 10) {
		fprintf(s.f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n",
			px(&s, x), MT, px(&s, x), H - MB);
		if (x >= 1000)
			text(s.f, px(&s, x), H - MB + 18, "middle", "%.0fk", x / 1000);
		else
			text(s.f, px(&s, x), H - MB + 18, "middle", "%.0f", x);
	}
	fprintf(s.f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">streams (log scale)</text>\n",
		(W - MR + ML) / 2, H - MB + 42);
	for (int impl = 0; impl < IMPL__COUNT; impl++)
		for (int op = 0; op < BENCH_OP__COUNT; op++) {
			const char *dash = op ? " stroke-dasharray=\"6,4\"" : "";
			bool any = false;
			if (impl == IMPL_RAW_IPSECMB) {
				const struct bench_result *r = good(rs, IMPL_RAW_IPSECMB, suite, 1, (enum bench_op)op);
				if (!r)
					continue;
				fprintf(s.f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
					     "stroke-width=\"1.5\"%s/>\n", ML, py(&s, r->mpps), W - MR,
					py(&s, r->mpps), colours[impl], dash);
				any = true;
			} else {
				fprintf(s.f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\"%s points=\"",
					colours[impl], dash);
				for (unsigned i = 0; i < cfg->n_streams; i++) {
					const struct bench_result *r = good(rs, (enum bench_impl)impl, suite,
									    cfg->streams[i], (enum bench_op)op);
					if (r) {
						fprintf(s.f, "%.1f,%.1f ", px(&s, cfg->streams[i]), py(&s, r->mpps));
						any = true;
					}
				}
				fprintf(s.f, "\"/>\n");
				for (unsigned i = 0; i < cfg->n_streams; i++) {
					const struct bench_result *r = good(rs, (enum bench_impl)impl, suite,
									    cfg->streams[i], (enum bench_op)op);
					if (r)
						fprintf(s.f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n",
							px(&s, cfg->streams[i]), py(&s, r->mpps), colours[impl]);
				}
			}
			if (any) {
				char name[64];
				snprintf(name, sizeof(name), "%s %s", bench_impl_name((enum bench_impl)impl),
					 op ? "unprot." : "protect");
				legend(s.f, nleg++, colours[impl], name, op != 0);
			}
		}
	return close_svg(&s);
}

static int plot_suites(const struct bench_cfg *cfg, const struct bench_results *rs, enum bench_op op)
{
	struct svg s = { .x0 = 0, .x1 = 1 };
	enum sl_srtp_suite suites[SL_SUITE__COUNT];
	unsigned ns = 0, nimpl = 0;
	bool used[IMPL__COUNT] = { false };
	double ymax = 0, step;
	char title[128];

	for (int su = 0; su < SL_SUITE__COUNT; su++)
		if (cfg->suites[su])
			suites[ns++] = (enum sl_srtp_suite)su;
	for (int impl = 0; impl < IMPL__COUNT; impl++)
		for (unsigned i = 0; i < ns; i++) {
			const struct bench_result *r = good(rs, (enum bench_impl)impl, suites[i], 1, op);
			if (r) {
				nimpl += !used[impl];
				used[impl] = true;
				if (r->mpps > ymax)
					ymax = r->mpps;
			}
		}
	if (!ns || !nimpl)
		return 0;
	step = nice_step(ymax, &s.y1);
	if (open_svg(cfg, op == BENCH_PROTECT ? "srtp-suites-protect.svg" : "srtp-suites-unprotect.svg", &s) < 0)
		return -1;
	snprintf(title, sizeof(title), "%s Mpps per suite, 1 stream, 12 B header + 160 B (one core)",
		 op == BENCH_PROTECT ? "Protect" : "Unprotect");
	svg_begin(&s, title);
	y_axis(&s, step, "Mpps (one core)");
	double gw = (double)(W - ML - MR) / ns, bw = gw * 0.8 / nimpl;
	for (unsigned i = 0; i < ns; i++) {
		unsigned k = 0;
		double gx = ML + gw * i + gw * 0.1;
		for (int impl = 0; impl < IMPL__COUNT; impl++) {
			if (!used[impl])
				continue;
			const struct bench_result *r = good(rs, (enum bench_impl)impl, suites[i], 1, op);
			double x = gx + bw * k++;
			if (!r)
				continue;
			fprintf(s.f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
				x, py(&s, r->mpps), bw - 1, py(&s, 0) - py(&s, r->mpps), colours[impl]);
			fprintf(s.f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\">%.1f</text>\n",
				x + bw / 2, py(&s, r->mpps) - 3, r->mpps);
		}
		/* suite names are long: two short lines (cipher / auth) */
		fprintf(s.f, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>\n"
			     "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>\n",
			ML + gw * (i + 0.5), H - MB + 16, short_names[suites[i]][0],
			ML + gw * (i + 0.5), H - MB + 30, short_names[suites[i]][1]);
	}
	unsigned leg = 0;
	for (int impl = 0; impl < IMPL__COUNT; impl++)
		if (used[impl])
			legend(s.f, leg++, colours[impl], bench_impl_name((enum bench_impl)impl), false);
	return close_svg(&s);
}

int bench_write_svgs(const struct bench_cfg *cfg, const struct bench_results *rs)
{
	if (mkdir(cfg->svg_dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (plot_streams(cfg, rs) < 0 || plot_suites(cfg, rs, BENCH_PROTECT) < 0 ||
	    plot_suites(cfg, rs, BENCH_UNPROTECT) < 0)
		return -1;
	fprintf(stderr, "shieldlock-bench: wrote plots to %s\n", cfg->svg_dir);
	return 0;
}
