# Benchmark helpers (run by scripts/bench-*), test programs: never installed.
$(eval $(call lu2k_testprog,lu2k-bench-peers,tools/bench/bench_peers.c tools/bench/bench_peers_work.c tools/bench/bench_peers_data.c,lu2k common))
$(eval $(call lu2k_testprog,lu2k-bench-auth,tools/bench/bench_auth.c,auth common))
$(eval $(call lu2k_testprog,lu2k-bench-rds-seal,tools/bench/bench_rds_seal.c,auth common))
