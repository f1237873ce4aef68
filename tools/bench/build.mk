# Benchmark helpers (run by scripts/bench-*).
$(eval $(call lu2k_prog,lu2k-bench-peers,tools/bench/bench_peers.c,lu2k common))
$(eval $(call lu2k_prog,lu2k-bench-auth,tools/bench/bench_auth.c,auth common))
lu2k-bench-auth_LDLIBS += -lsodium
