/* SPDX-License-Identifier: BSD-3-Clause */
/* TSC calibration, CPU pinning and machine description. */
#include <errno.h>
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

double bench_tsc_hz;

double bench_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Three 100 ms windows of TSC ticks against CLOCK_MONOTONIC; keep the median. */
double bench_tsc_calibrate(void)
{
	double hz[3];

	for (int i = 0; i < 3; i++) {
		double t0 = bench_now();
		uint64_t c0 = bench_rdtsc();
		while (bench_now() - t0 < 0.1)
			;
		uint64_t c1 = bench_rdtsc();
		double t1 = bench_now();
		hz[i] = (double)(c1 - c0) / (t1 - t0);
	}
	for (int i = 0; i < 2; i++)
		for (int j = i + 1; j < 3; j++)
			if (hz[j] < hz[i]) {
				double t = hz[i];
				hz[i] = hz[j];
				hz[j] = t;
			}
	bench_tsc_hz = hz[1];
	return bench_tsc_hz;
}

int bench_pin(int core)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(core, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return -errno;
	return 0;
}

static void read_line_value(const char *path, const char *key, char *out, size_t outlen)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, strlen(key)) != 0)
			continue;
		char *v = strchr(line, ':');
		if (!v)
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\n")] = 0;
		snprintf(out, outlen, "%s", v);
		break;
	}
	fclose(f);
}

void bench_machine(char *cpu, size_t cpulen, int *cores, char *huge, size_t hugelen)
{
	char total[64] = "0", size[64] = "?";

	snprintf(cpu, cpulen, "unknown");
	read_line_value("/proc/cpuinfo", "model name", cpu, cpulen);
	*cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	read_line_value("/proc/meminfo", "HugePages_Total", total, sizeof(total));
	read_line_value("/proc/meminfo", "Hugepagesize", size, sizeof(size));
	if (strcmp(total, "0") == 0)
		snprintf(huge, hugelen, "no hugepages (0 reserved)");
	else
		snprintf(huge, hugelen, "%s hugepages of %s reserved", total, size);
}

size_t bench_heap_used(void)
{
	struct mallinfo2 m = mallinfo2();

	return m.uordblks + m.hblkhd;
}
