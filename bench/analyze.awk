# bench/analyze.awk - figures of one run from its cumulative goodput series.
#
#   awk -v T=SEND_SECONDS -v W=WINDOW -v o2=OUTAGE_END -v dat=RATES.dat -f analyze.awk SERIES
#
# SERIES: "t bytes" lines, t in seconds since the protocol started, bytes of
# verified (lu2k) or received (iperf3) payload so far, starting with "0 0".
# Writes "t mbit mbit_W" per sample to dat (the rate over the interval that
# ends at t, and over the W seconds that end at t) and prints
# "final t90 recover":
#  - final:   Mbit/s over the last third of the sending time (steady state);
#  - t90:     the middle of the first window of W seconds whose rate reaches
#             90 % of final. A window, not one sample, because lu2k counts whole
#             1 MiB messages: at 50 Mbit/s one second holds only ~6 of them;
#  - recover: the same after the end of an outage (o2 >= 0), counted from o2.
# A figure that does not exist is "-".
{
	# iperf3 ends with a sliver of an interval: too short to give a rate
	if (n && $1 - t[n] < 0.5)
		next
	n++
	t[n] = $1 + 0
	c[n] = $2 + 0
	if (n == 1)
		next
	for (k = n - 1; k > 1 && t[n] - t[k] < W - 0.05; k--)
		;
	printf "%.1f %.3f %.3f\n", t[n], (c[n] - c[n - 1]) * 8e-6 / (t[n] - t[n - 1]),
		(c[n] - c[k]) * 8e-6 / (t[n] - t[k]) > dat
}

function first_at_rate(from,    i, j, r) {
	for (i = 1; i <= n; i++) {
		if (t[i] < from - 0.05)
			continue
		for (j = i + 1; j <= n && t[j] < t[i] + W - 0.05; j++)
			;
		if (j > n || t[j] > T + 0.5)
			return -1
		r = (c[j] - c[i]) * 8e-6 / (t[j] - t[i])
		if (r >= 0.9 * final)
			return (t[i] + t[j]) / 2
	}
	return -1
}

END {
	a = 0
	b = 0
	for (i = 1; i <= n; i++) {
		if (!a && t[i] >= 2 * T / 3 - 0.05)
			a = i
		if (t[i] <= T + 0.5)
			b = i
	}
	final = (a && b > a) ? (c[b] - c[a]) * 8e-6 / (t[b] - t[a]) : 0
	t90 = final > 0 ? first_at_rate(0) : -1
	rec = (final > 0 && o2 >= 0) ? first_at_rate(o2) : -1
	if (rec >= 0)
		rec -= o2
	printf "%s %s %s\n", (final > 0 ? sprintf("%.2f", final) : "-"),
		(t90 >= 0 ? sprintf("%.1f", t90) : "-"), (rec >= 0 ? sprintf("%.1f", rec) : "-")
}
