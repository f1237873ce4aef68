# lu2k-perf: the LNet-selftest of lu2k (client and server over liblu2k).
perf_srcs := $(filter-out tools/perf/main.c,$(wildcard tools/perf/*.c)) tools/ctl/jsonv.c tools/ctl/req.c
$(eval $(call lu2k_lib,lu2kperf,$(perf_srcs)))
$(eval $(call lu2k_prog,lu2k-perf,tools/perf/main.c,lu2kperf lu2k common))
$(eval $(call lu2k_test,test_perf_pattern,tests/unit/test_perf_pattern.c,lu2kperf lu2k common))
$(eval $(call lu2k_test,test_perf_stats,tests/unit/test_perf_stats.c,lu2kperf lu2k common))
$(eval $(call lu2k_test,test_perf_opts,tests/unit/test_perf_opts.c,lu2kperf lu2k common))
$(eval $(call lu2k_test,test_perf_units,tests/unit/test_perf_units.c,lu2kperf lu2k common))
$(eval $(call lu2k_test,test_perf_acked,tests/unit/test_perf_acked.c,lu2kperf lu2k common))
