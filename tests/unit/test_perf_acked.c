/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lu2k-perf's progress inside messages (tools/perf/acked.c):
 * which control socket goes with a channel socket, the sum over lu2kd's
 * "conns" answer, and the intervals read from a live control socket (a
 * socketpair-free fake: a unix listener of the test's own that answers each
 * request with the next canned answer).
 */
#include "tools/perf/acked.h"
#include "../t.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void test_path(void)
{
	char b[64];

	T_STREQ(perf_acked_path(NULL, "/run/lu2k/lu2kd.sock", b, sizeof(b)), "/run/lu2k/lu2kd.ctl");
	T_STREQ(perf_acked_path(NULL, "/tmp/x/A.sock", b, sizeof(b)), "/tmp/x/A.ctl");
	T_STREQ(perf_acked_path("/x/c", "/tmp/x/A.sock", b, sizeof(b)), "/x/c");
	T_ASSERT(perf_acked_path("", "/tmp/x/A.sock", b, sizeof(b)) == NULL); /* off */
	T_ASSERT(perf_acked_path(NULL, "/tmp/x/chan", b, sizeof(b)) == NULL); /* no .sock */
	T_ASSERT(perf_acked_path(NULL, "/a/very/long/path.sock", b, 8) == NULL);
}

static void test_sum(void)
{
	struct lu2k_nid peer, other;
	const char *a = "{\"conns\":["
			"{\"peer\":\"10.0.0.2@lu2k\",\"direction\":\"out\",\"bytes_acked\":1000},"
			"{\"peer\":\"10.0.0.2@lu2k\",\"direction\":\"in\",\"bytes_acked\":7},"
			"{\"peer\":\"10.0.0.3@lu2k\",\"direction\":\"out\",\"bytes_acked\":50},"
			"{\"peer\":\"10.0.0.2@lu2k\",\"direction\":\"out\",\"bytes_acked\":24},"
			"{\"peer\":\"10.0.0.2@lu2k\",\"direction\":\"out\"}]}";

	T_EQ(lu2k_nid_parse("10.0.0.2@lu2k", &peer), 0);
	T_EQ(lu2k_nid_parse("10.0.0.9@lu2k", &other), 0);
	T_EQ(perf_acked_sum(a, &peer), 1024); /* out only, to that peer, both paths */
	T_EQ(perf_acked_sum(a, &other), -1);
	T_EQ(perf_acked_sum("{\"conns\":[]}", &peer), -1);
	T_EQ(perf_acked_sum("{\"error\":\"x\"}", &peer), -1);
	T_EQ(perf_acked_sum("not json", &peer), -1);
	T_EQ(perf_acked_sum("{\"conns\":[{\"peer\":\"10.0.0.2@lu2k\",\"direction\":\"out\","
			    "\"bytes_acked\":-5}]}",
			    &peer),
	     -1);
}

/* A control socket that answers request i with answers[i]. */
static const char *answers[8];
static int nanswers, lfd;

static void *serve(void *arg)
{
	(void)arg;
	for (int i = 0; i < nanswers; i++) {
		char req[64];
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			return NULL;
		if (read(fd, req, sizeof(req)) <= 0 || strncmp(req, "conns\n", 6))
			answers[i] = "{\"error\":\"bad request\"}";
		if (write(fd, answers[i], strlen(answers[i])) < 0)
			(void)0;
		close(fd);
	}
	return NULL;
}

#define CONN(n) \
	"{\"conns\":[{\"peer\":\"10.0.0.2@lu2k\",\"direction\":\"out\",\"bytes_acked\":" #n "}]}"

static void test_poll(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct perf_acked a;
	struct lu2k_nid peer;
	pthread_t th;
	char path[] = "/tmp/test_perf_acked.XXXXXX";
	int i = 0;

	T_ASSERT(mkdtemp(path) != NULL);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/c.ctl", path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	T_EQ(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	T_EQ(listen(lfd, 8), 0);
	answers[i++] = "{\"conns\":[]}"; /* the base: no connection yet */
	answers[i++] = CONN(3000);	 /* made during the run: all of it counts */
	answers[i++] = CONN(3000);	 /* no progress */
	answers[i++] = "{\"conns\":[]}"; /* between two connections: unknown */
	answers[i++] = CONN(500);	 /* a new connection counts from 0 */
	answers[i++] = CONN(1500);
	nanswers = i;
	T_EQ(pthread_create(&th, NULL, serve, NULL), 0);
	T_EQ(lu2k_nid_parse("10.0.0.2@lu2k", &peer), 0);
	perf_acked_init(&a, sa.sun_path, &peer);
	T_EQ(perf_acked_poll(&a, NULL), 0);
	T_EQ(perf_acked_poll(&a, NULL), 3000);
	T_EQ(perf_acked_poll(&a, NULL), 0);
	T_EQ(perf_acked_poll(&a, NULL), -1);
	T_EQ(perf_acked_poll(&a, NULL), 500);
	T_EQ(perf_acked_poll(&a, NULL), 1000);
	pthread_join(th, NULL);
	close(lfd);
	unlink(sa.sun_path);
	/* lu2kd gone: said once, then off for the run */
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *why = open_memstream(&buf, &len);

		T_EQ(perf_acked_poll(&a, why), -1);
		T_EQ(perf_acked_poll(&a, why), -1);
		fclose(why);
		T_ASSERT(strstr(buf, "cannot reach lu2kd") != NULL);
		T_ASSERT(strstr(buf, "--ctl-socket") != NULL);
		T_ASSERT(strchr(buf, '\n') == buf + len - 1); /* one line */
		free(buf);
	}
	rmdir(path);
	/* no path: off from the start, no word */
	perf_acked_init(&a, NULL, &peer);
	T_EQ(perf_acked_poll(&a, stderr), -1);
}

int main(void)
{
	T_RUN(test_path);
	T_RUN(test_sum);
	T_RUN(test_poll);
	return t_done();
}
