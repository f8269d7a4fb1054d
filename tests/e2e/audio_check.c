/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * audio_check: test tones for the end-to-end calls (docs/e2e.md).
 *
 *   audio_check gen OUT.wav FREQ SECONDS [AMPLITUDE]
 *       writes a 8 kHz mono 16-bit PCM WAV holding a sine of FREQ Hz
 *       (0 = silence), AMPLITUDE 0..1 of full scale (default 0.5).
 *   audio_check check IN.wav --expect FREQ [--min-seconds S] [--min-level DBFS]
 *                 [--min-snr DB] [--tolerance HZ]
 *       analyses a recording in 100 ms blocks with the Goertzel algorithm
 *       at FREQ and at every multiple of 100 Hz from 200 to 3500 Hz
 *       (what G.711 carries: 300-3400 Hz, ITU-T G.712):
 *       - dominant: the candidate frequency with the most energy over the
 *         whole file must be FREQ (within --tolerance, default 20 Hz);
 *       - tone present: blocks whose strongest candidate is FREQ, whose level
 *         is at least --min-level (default -40 dBFS) and whose SNR (tone energy
 *         against everything else in the block) is at least --min-snr
 *         (default 15 dB); their total must reach --min-seconds (default 3);
 *       - level and SNR figures are the averages over the tone blocks.
 *       Prints every figure and one PASS/FAIL line per criterion; exit 0 if
 *       all pass, 1 if one fails, 2 on a usage or file error.
 *
 * The WAV reader takes RIFF/WAVE with a PCM (format 1, or
 * WAVE_FORMAT_EXTENSIBLE with the PCM sub-format) 16-bit mono "fmt " chunk;
 * a "data" chunk whose size runs past the end of the file (a recorder that
 * never finalised its header) is cut to what is there.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define WAV_MAX_BYTES (64u * 1024u * 1024u)	/* 1 h at 8 kHz is 57.6 MB */
#define BLOCK_MS 100
#define N_GRID 34				/* 200, 300, ..., 3500 Hz */

struct pcm {
	int16_t *s;
	size_t n;
	unsigned rate;
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static int read_all(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "audio_check: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 65536, n = 0;
	uint8_t *b = malloc(cap);
	if (!b) {
		fclose(f);
		fprintf(stderr, "audio_check: out of memory\n");
		return -1;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= WAV_MAX_BYTES) {
				fprintf(stderr, "audio_check: %s is larger than %u bytes: not a test recording\n",
					path, WAV_MAX_BYTES);
				free(b);
				fclose(f);
				return -1;
			}
			cap *= 2;
			uint8_t *nb = realloc(b, cap);
			if (!nb) {
				free(b);
				fclose(f);
				fprintf(stderr, "audio_check: out of memory\n");
				return -1;
			}
			b = nb;
		}
		size_t r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		fprintf(stderr, "audio_check: read error on %s\n", path);
		free(b);
		return -1;
	}
	*buf = b;
	*len = n;
	return 0;
}

/* RIFF/WAVE parser: every chunk is bounds-checked against the buffer. */
static int parse_wav(const char *path, const uint8_t *b, size_t len, struct pcm *out)
{
	if (len < 12 || memcmp(b, "RIFF", 4) != 0 || memcmp(b + 8, "WAVE", 4) != 0) {
		fprintf(stderr, "audio_check: %s: not a RIFF/WAVE file\n", path);
		return -1;
	}
	size_t off = 12;
	int have_fmt = 0;
	unsigned rate = 0;
	while (off + 8 <= len) {
		const uint8_t *ck = b + off;
		uint32_t cksz = le32(ck + 4);
		size_t body = off + 8;
		size_t avail = len - body;
		if (memcmp(ck, "fmt ", 4) == 0) {
			if (cksz < 16 || cksz > avail) {
				fprintf(stderr, "audio_check: %s: truncated fmt chunk\n", path);
				return -1;
			}
			uint16_t fmt = le16(b + body);
			uint16_t ch = le16(b + body + 2);
			rate = le32(b + body + 4);
			uint16_t bits = le16(b + body + 14);
			if (fmt == 0xFFFE && cksz >= 40)	/* WAVE_FORMAT_EXTENSIBLE */
				fmt = le16(b + body + 24);	/* sub-format GUID's first 2 bytes */
			if (fmt != 1 || bits != 16 || ch != 1) {
				fprintf(stderr,
					"audio_check: %s: format %u, %u bits, %u channel(s): only 16-bit PCM mono is supported (convert: sox IN -r 8000 -c 1 -b 16 OUT.wav)\n",
					path, fmt, bits, ch);
				return -1;
			}
			if (rate < 4000 || rate > 192000) {
				fprintf(stderr, "audio_check: %s: sample rate %u Hz out of range\n", path, rate);
				return -1;
			}
			have_fmt = 1;
		} else if (memcmp(ck, "data", 4) == 0) {
			if (!have_fmt) {
				fprintf(stderr, "audio_check: %s: data chunk before the fmt chunk\n", path);
				return -1;
			}
			size_t sz = cksz <= avail ? cksz : avail;	/* unfinalised header */
			out->n = sz / 2;
			out->rate = rate;
			out->s = calloc(out->n ? out->n : 1, sizeof(int16_t));
			if (!out->s) {
				fprintf(stderr, "audio_check: out of memory\n");
				return -1;
			}
			for (size_t i = 0; i < out->n; i++)
				out->s[i] = (int16_t)le16(b + body + 2 * i);
			return 0;
		}
		if (cksz > avail)
			break;
		off = body + cksz + (cksz & 1);	/* chunks are word aligned */
	}
	fprintf(stderr, "audio_check: %s: no %s chunk\n", path, have_fmt ? "data" : "fmt");
	return -1;
}

/* Goertzel at an arbitrary frequency: |X(f)|^2 of the block. */
static double goertzel(const int16_t *x, size_t n, double f, unsigned rate)
{
	double w = 2.0 * M_PI * f / rate, c = 2.0 * cos(w);
	double s1 = 0, s2 = 0;
	for (size_t i = 0; i < n; i++) {
		double s0 = x[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	return s1 * s1 + s2 * s2 - c * s1 * s2;
}

static double db(double r)
{
	return r > 0 ? 10.0 * log10(r) : -200.0;
}

static int cmd_gen(int argc, char **argv)
{
	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: audio_check gen OUT.wav FREQ SECONDS [AMPLITUDE]\n");
		return 2;
	}
	char *end;
	double f = strtod(argv[3], &end);
	if (*end || f < 0 || f >= 4000) {
		fprintf(stderr, "audio_check gen: FREQ %s: give 0 (silence) .. 3999 Hz\n", argv[3]);
		return 2;
	}
	double secs = strtod(argv[4], &end);
	if (*end || secs <= 0 || secs > 600) {
		fprintf(stderr, "audio_check gen: SECONDS %s: give 0 < s <= 600\n", argv[4]);
		return 2;
	}
	double amp = 0.5;
	if (argc == 6) {
		amp = strtod(argv[5], &end);
		if (*end || amp < 0 || amp > 1) {
			fprintf(stderr, "audio_check gen: AMPLITUDE %s: give 0..1\n", argv[5]);
			return 2;
		}
	}
	const unsigned rate = 8000;
	size_t n = (size_t)(secs * rate);
	uint8_t hdr[44];
	memcpy(hdr, "RIFF", 4);
	put32(hdr + 4, (uint32_t)(36 + 2 * n));
	memcpy(hdr + 8, "WAVEfmt ", 8);
	put32(hdr + 16, 16);
	put16(hdr + 20, 1);
	put16(hdr + 22, 1);
	put32(hdr + 24, rate);
	put32(hdr + 28, rate * 2);
	put16(hdr + 32, 2);
	put16(hdr + 34, 16);
	memcpy(hdr + 36, "data", 4);
	put32(hdr + 40, (uint32_t)(2 * n));
	FILE *fo = fopen(argv[2], "wb");
	if (!fo) {
		fprintf(stderr, "audio_check gen: cannot create %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	int bad = fwrite(hdr, 1, sizeof(hdr), fo) != sizeof(hdr);
	for (size_t i = 0; i < n && !bad; i++) {
		double v = amp * 32767.0 * sin(2.0 * M_PI * f * (double)i / rate);
		uint8_t s[2];
		put16(s, (uint16_t)(int16_t)lrint(v));
		bad = fwrite(s, 1, 2, fo) != 2;
	}
	if (fclose(fo) != 0 || bad) {
		fprintf(stderr, "audio_check gen: write error on %s\n", argv[2]);
		return 2;
	}
	printf("audio_check gen: %s: %g Hz, %g s, amplitude %g, 8000 Hz mono s16\n", argv[2], f, secs,
	       amp);
	return 0;
}

struct opts {
	double expect, min_seconds, min_level, min_snr, tolerance;
};

static int parse_num(const char *opt, const char *v, double lo, double hi, double *out)
{
	char *end;
	if (!v) {
		fprintf(stderr, "audio_check check: %s needs a value\n", opt);
		return -1;
	}
	double d = strtod(v, &end);
	if (*end || end == v || d < lo || d > hi) {
		fprintf(stderr, "audio_check check: %s %s: give a number in %g..%g\n", opt, v, lo, hi);
		return -1;
	}
	*out = d;
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	struct opts o = { .expect = -1, .min_seconds = 3, .min_level = -40, .min_snr = 15,
			  .tolerance = 20 };
	const char *path = NULL;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int r;
		if (strcmp(a, "--expect") == 0)
			r = parse_num(a, v, 100, 3900, &o.expect);
		else if (strcmp(a, "--min-seconds") == 0)
			r = parse_num(a, v, 0, 3600, &o.min_seconds);
		else if (strcmp(a, "--min-level") == 0)
			r = parse_num(a, v, -120, 0, &o.min_level);
		else if (strcmp(a, "--min-snr") == 0)
			r = parse_num(a, v, -20, 100, &o.min_snr);
		else if (strcmp(a, "--tolerance") == 0)
			r = parse_num(a, v, 0, 500, &o.tolerance);
		else if (a[0] != '-' && !path) {
			path = a;
			continue;
		} else {
			fprintf(stderr, "audio_check check: unknown argument '%s'\n", a);
			return 2;
		}
		if (r)
			return 2;
		i++;
	}
	if (!path || o.expect < 0) {
		fprintf(stderr,
			"usage: audio_check check IN.wav --expect FREQ [--min-seconds S] [--min-level DBFS] [--min-snr DB] [--tolerance HZ]\n");
		return 2;
	}
	uint8_t *buf;
	size_t len;
	struct pcm p = { 0 };
	if (read_all(path, &buf, &len))
		return 2;
	int pr = parse_wav(path, buf, len, &p);
	free(buf);
	if (pr)
		return 2;
	if (o.expect >= p.rate / 2.0) {
		fprintf(stderr, "audio_check check: --expect %g Hz is above half the sample rate (%u Hz)\n",
			o.expect, p.rate);
		free(p.s);
		return 2;
	}

	/* candidates: the grid, plus the expected frequency if not on it */
	double cand[N_GRID + 1];
	size_t nc = 0;
	int exp_idx = -1;
	for (int k = 0; k < N_GRID; k++) {
		double f = 200.0 + 100.0 * k;
		if (f >= p.rate / 2.0)
			break;
		if (fabs(f - o.expect) <= o.tolerance && exp_idx < 0)
			exp_idx = (int)nc;
		cand[nc++] = f;
	}
	if (exp_idx < 0) {
		exp_idx = (int)nc;
		cand[nc++] = o.expect;
	}
	double total_pow[N_GRID + 1] = { 0 };
	size_t bl = (size_t)p.rate * BLOCK_MS / 1000;
	size_t nblocks = p.n / bl, tone_blocks = 0, run = 0, best_run = 0;
	double tone_e = 0, rest_e = 0, tone_rms2 = 0;
	for (size_t b = 0; b < nblocks; b++) {
		const int16_t *x = p.s + b * bl;
		double e = 0;
		for (size_t i = 0; i < bl; i++)
			e += (double)x[i] * x[i];
		size_t best = 0;
		double bestp = -1, ep = 0;
		for (size_t k = 0; k < nc; k++) {
			double g = goertzel(x, bl, cand[k], p.rate);
			total_pow[k] += g;
			if (g > bestp) {
				bestp = g;
				best = k;
			}
			if ((int)k == exp_idx)
				ep = g;
		}
		/* a sine of amplitude A gives |X|^2 = (A N / 2)^2, energy A^2 N / 2 */
		double te = 2.0 * ep / (double)bl;
		if (te > e)
			te = e;
		double level = db(e / bl / (32768.0 * 32768.0));
		double snr = db(te / (e - te > 1e-9 ? e - te : 1e-9));
		if ((int)best == exp_idx && level >= o.min_level && snr >= o.min_snr) {
			tone_blocks++;
			tone_e += te;
			rest_e += e - te;
			tone_rms2 += e / bl;
			if (++run > best_run)
				best_run = run;
		} else {
			run = 0;
		}
	}
	size_t dom = 0;
	for (size_t k = 1; k < nc; k++)
		if (total_pow[k] > total_pow[dom])
			dom = k;
	double all_e = 0;
	for (size_t i = 0; i < p.n; i++)
		all_e += (double)p.s[i] * p.s[i];
	free(p.s);

	double secs = (double)p.n / p.rate;
	double tone_s = tone_blocks * BLOCK_MS / 1000.0;
	double level = tone_blocks ? db(tone_rms2 / tone_blocks / (32768.0 * 32768.0)) : -200.0;
	double snr = tone_blocks ? db(tone_e / (rest_e > 1e-9 ? rest_e : 1e-9)) : -200.0;
	double file_level = p.n ? db(all_e / p.n / (32768.0 * 32768.0)) : -200.0;
	int ok_dom = nblocks > 0 && fabs(cand[dom] - o.expect) <= o.tolerance && total_pow[dom] > 0;
	int ok_len = tone_s + 1e-9 >= o.min_seconds;
	int ok_lvl = tone_blocks && level >= o.min_level;
	int ok_snr = tone_blocks && snr >= o.min_snr;

	printf("audio_check: %s: %.2f s at %u Hz, overall level %.1f dBFS\n", path, secs, p.rate,
	       file_level);
	if (nblocks && total_pow[dom] > 0)
		printf("%s: dominant frequency %g Hz (expected %g Hz)\n", ok_dom ? "PASS" : "FAIL",
		       cand[dom], o.expect);
	else
		printf("FAIL: dominant frequency: none, the recording is silent or shorter than %d ms (expected %g Hz)\n",
		       BLOCK_MS, o.expect);
	printf("%s: tone present %.1f s (longest run %.1f s; need %g s)\n", ok_len ? "PASS" : "FAIL",
	       tone_s, best_run * BLOCK_MS / 1000.0, o.min_seconds);
	printf("%s: tone level %.1f dBFS (need >= %g)\n", ok_lvl ? "PASS" : "FAIL", level, o.min_level);
	printf("%s: SNR %.1f dB (need >= %g)\n", ok_snr ? "PASS" : "FAIL", snr, o.min_snr);
	int ok = ok_dom && ok_len && ok_lvl && ok_snr;
	printf("audio_check: %s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "gen") == 0)
		return cmd_gen(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return cmd_check(argc, argv);
	fprintf(stderr,
		"usage: audio_check gen OUT.wav FREQ SECONDS [AMPLITUDE]\n"
		"       audio_check check IN.wav --expect FREQ [--min-seconds S] [--min-level DBFS]\n"
		"                     [--min-snr DB] [--tolerance HZ]\n");
	return 2;
}
