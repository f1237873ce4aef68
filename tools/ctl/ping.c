/* SPDX-License-Identifier: MIT */
/*
 * ping.c - `lu2kctl ping NID`: can this node reach the lu2kd behind NID?
 *
 * lu2kd is asked to connect to NID now (from the interface on NID's
 * network; a peer in backoff is retried at once), then the peer is watched
 * every 50 ms until its outgoing connection is up and the far lu2kd has
 * answered (peer_answered, where the back-end's connected() comes earlier),
 * or the attempt fails, or the timeout passes. What this proves is the
 * path from this lu2kd to the other one over the back-end (the port open in
 * the firewalls, the keys accepted), which is what `lnetctl ping` needs below
 * LNet; it does not involve the other node's LNet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jsonv.h"
#include "ping.h"
#include "req.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *str(const struct jv *o, const char *key)
{
	const struct jv *v = o ? jv_get(o, key) : NULL;

	return v && v->text ? v->text : NULL;
}

static double num(const struct jv *o, const char *key)
{
	const char *t = str(o, key);

	return t ? strtod(t, NULL) : -1;
}

/* The entry of array key in answer v whose field f is nid (and, if dir, direction dir). */
static const struct jv *find(const struct jv *v, const char *key, const char *f, const char *nid,
			     const char *dir)
{
	const struct jv *arr = jv_get(v, key), *e;

	for (e = arr ? arr->kids : NULL; e; e = e->next) {
		const char *n = str(e, f), *d = str(e, "direction");

		if (n && !strcmp(n, nid) && (!dir || (d && !strcmp(d, dir))))
			return e;
	}
	return NULL;
}

int ctl_ping(const char *path, const char *nid_arg, double timeout_s, bool json)
{
	char cmd[256], nid[96], local[96];
	double t0 = now_s(), fails0;
	struct jv *v;
	const struct jv *p;
	int rc = 1;

	snprintf(cmd, sizeof(cmd), "ping %s", nid_arg);
	v = ctl_ask(path, cmd);
	if (!v)
		return 1;
	p = jv_get(v, "ping");
	if (!p || !str(p, "nid") || !str(p, "local_nid")) {
		fprintf(stderr, "lu2kctl: lu2kd does not know 'ping' (an older lu2kd?)\n");
		jv_free(v);
		return 1;
	}
	snprintf(nid, sizeof(nid), "%s", str(p, "nid"));
	snprintf(local, sizeof(local), "%s", str(p, "local_nid"));
	fails0 = num(p, "connect_failures");
	jv_free(v);

	for (;;) {
		struct jv *pv = ctl_ask(path, "peers"), *cv = NULL;
		const struct jv *peer = pv ? find(pv, "peers", "nid", nid, NULL) : NULL;
		const struct jv *conn = NULL, *ans;
		const char *state = str(peer, "state");
		double dt = now_s() - t0;

		if (!pv)
			return 1;
		if (state && !strcmp(state, "up")) {
			cv = ctl_ask(path, "conns");
			conn = cv ? find(cv, "conns", "peer", nid, "out") : NULL;
			ans = conn ? jv_get(conn, "peer_answered") : NULL;
			if (conn && (!ans || !strcmp(ans->text, "true"))) {
				double rtt = num(conn, "rtt_us");

				if (json)
					printf("{\"nid\":\"%s\",\"local_nid\":\"%s\",\"reachable\":"
					       "true,"
					       "\"seconds\":%.3f,\"rtt_us\":%.0f}\n",
					       nid, local, dt, rtt);
				else if (rtt >= 0)
					printf("%s: reachable from %s: the lu2kd there answered "
					       "within %.1f ms; rtt %.3g ms\n",
					       nid, local, dt * 1e3, rtt / 1e3);
				else
					printf("%s: reachable from %s: the lu2kd there answered "
					       "within %.1f ms\n",
					       nid, local, dt * 1e3);
				rc = 0;
			}
		} else if (peer && num(peer, "connect_failures") > fails0) {
			const char *why = str(peer, "last_error");

			if (json)
				printf("{\"nid\":\"%s\",\"local_nid\":\"%s\",\"reachable\":false,"
				       "\"seconds\":%.3f,\"error\":\"%s\"}\n",
				       nid, local, dt, why ? why : "unknown");
			else
				printf("%s: not reachable from %s: %s (after %.0f ms; lu2kd's log "
				       "may say more)\n",
				       nid, local, why ? why : "connection failed", dt * 1e3);
			rc = 1;
			jv_free(pv);
			return rc;
		}
		jv_free(cv);
		jv_free(pv);
		if (rc == 0)
			return 0;
		if (dt >= timeout_s) {
			if (json)
				printf("{\"nid\":\"%s\",\"local_nid\":\"%s\",\"reachable\":false,"
				       "\"seconds\":%.3f,\"error\":\"timeout\"}\n",
				       nid, local, dt);
			else
				printf("%s: no answer from %s within %.1f s (state %s)\n", nid,
				       local, timeout_s, state ? state : "gone");
			return 1;
		}
		usleep(50000);
	}
}
