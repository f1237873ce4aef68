# Benchmark helpers (run by scripts/bench-*).
$(eval $(call lu2k_prog,lu2k-bench-peers,tools/bench/bench_peers.c,lu2k common))
