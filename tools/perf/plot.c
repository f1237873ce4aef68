/* SPDX-License-Identifier: MIT */
/*
 * plot.c - lu2k-perf --plot FILE: the run's intervals drawn by gnuplot, the
 * rate on top and the latency (round trip, or a stream frame's delay) below,
 * over time, for a reader who would rather look than read. PNG, or SVG when
 * FILE ends in .svg. gnuplot runs as a child on a data file and a script in
 * a private temporary directory, removed afterwards.
 */
#include "client.h"

#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/nid.h"

extern char **environ;

static const char *const mode_names[] = { "bulk", "get", "ping", "stream" };

static int write_data(const struct cli *c, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "# t_s mbit_per_s lat_p50_ms lat_p99_ms errors\n");
	/* each row ends its interval (drawn with fsteps); this one starts the first */
	fprintf(f, "0 %.3f NaN NaN 0\n",
		(double)c->samples[0].bytes * 8 / (c->samples[0].t > 0 ? c->samples[0].t : 1e-9) /
			1e6);
	for (size_t i = 0; i < c->nsamples; i++) {
		const struct cli_sample *s = &c->samples[i];
		double len = s->t - (i ? c->samples[i - 1].t : 0);

		if (len <= 0)
			len = 1e-9;
		fprintf(f, "%.3f %.3f ", s->t, (double)s->bytes * 8 / len / 1e6);
		if (s->lat_n)
			fprintf(f, "%.3f %.3f", (double)s->lat_p50 / 1e6, (double)s->lat_p99 / 1e6);
		else
			fprintf(f, "NaN NaN"); /* gnuplot leaves a gap */
		fprintf(f, " %llu\n", (unsigned long long)s->errors);
	}
	return fclose(f) ? -errno : 0;
}

static int write_script(const struct cli *c, const char *path, const char *data, const char *out)
{
	const struct perf_opts *o = c->o;
	size_t ol = strlen(out);
	bool svg = ol > 4 && !strcmp(out + ol - 4, ".svg");
	char a[LU2K_NID_STRLEN], b[LU2K_NID_STRLEN];
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	lu2k_nid_format(&o->nid, a, sizeof(a));
	lu2k_nid_format(&o->peer, b, sizeof(b));
	fprintf(f, "set terminal %s size 1000,700\n", svg ? "svg" : "png");
	/* gnuplot's strings are in single quotes: a quote in a path is doubled */
	fputs("set output '", f);
	for (const char *p = out; *p; p++)
		fputs(*p == '\'' ? "''" : (char[2]){ *p, 0 }, f);
	fputs("'\n", f);
	fprintf(f,
		"set multiplot layout 2,1 title 'lu2k-perf %s: %s -> %s, %llu B, "
		"concurrency %u' noenhanced\n",
		mode_names[o->mode], a, b, (unsigned long long)o->size, o->concurrency);
	fprintf(f, "set grid\nset key top right\nset xlabel 'time (s)'\nset yrange [0:*]\n");
	fprintf(f, "set ylabel 'Mbit/s'\n");
	fprintf(f,
		"plot '%s' using 1:2 with fsteps lw 2 title 'goodput (verified messages)', "
		"'' using 1:($5 > 0 ? 0 : 1/0) with points pt 7 lc rgb 'red' title "
		"'intervals with errors'\n",
		data);
	fprintf(f, "set ylabel '%s (ms)'\n",
		o->mode == PERF_STREAM ? "frame delay after its due time" : "round trip");
	fprintf(f,
		"plot '%s' using 1:3 with linespoints title 'p50', '' using 1:4 with "
		"linespoints title 'p99'\n",
		data);
	fprintf(f, "unset multiplot\n");
	return fclose(f) ? -errno : 0;
}

int perf_plot(const struct cli *c, const char *out)
{
	char dir[] = "/tmp/lu2k-perf-plot.XXXXXX", data[64], script[64];
	char *argv[] = { "gnuplot", script, NULL };
	int rc, status;
	pid_t pid;

	if (!c->nsamples) {
		fprintf(stderr, "lu2k-perf: --plot: the run was shorter than one --interval\n");
		return 1;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "lu2k-perf: --plot: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(script, sizeof(script), "%s/plot.gp", dir);
	rc = write_data(c, data);
	if (!rc)
		rc = write_script(c, script, data, out);
	if (rc) {
		fprintf(stderr, "lu2k-perf: --plot: writing in %s: %s\n", dir, strerror(-rc));
		rc = 1;
		goto out;
	}
	rc = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
	if (rc) {
		fprintf(stderr,
			"lu2k-perf: --plot needs gnuplot (%s; apt-get install gnuplot-nox)\n",
			strerror(rc));
		rc = 1;
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	rc = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
	if (rc)
		fprintf(stderr, "lu2k-perf: --plot: gnuplot failed on %s\n", out);
out:
	unlink(data);
	unlink(script);
	rmdir(dir);
	return rc;
}
