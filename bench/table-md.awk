# bench/table-md.awk - results.csv of scripts/bench-link as a Markdown table.
#   awk -F, -f bench/table-md.awk build/bench-link/<date>/results.csv
NR == 1 {
	for (i = 1; i <= NF; i++)
		col[$i] = i
	print "| condition | protocol | goodput Mbit/s | % of cap | final Mbit/s | t90 s | rec s | lat p50/p99 ms | icmp p50/p99 ms | verified |"
	print "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
	next
}
{
	p = $col["protocol"]
	if (p == "lu2k-tcp" && $col["kernel_cc"] != "-")
		p = p " (" $col["kernel_cc"] ")"
	rec = $col["outage"] == "" ? "" : $col["recover_s"]
	lat = $col["lat_p50_ms"] == "-" ? "" : $col["lat_p50_ms"] " / " $col["lat_p99_ms"]
	v = $col["verified"] == "-" ? "" : $col["verified"]
	printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s |\n", $col["condition"], p,
		$col["goodput_mbit"], $col["pct_cap"], $col["final_mbit"], $col["t90_s"], rec, lat,
		$col["icmp_p50_ms"], $col["icmp_p99_ms"], v
}
