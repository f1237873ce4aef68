# Test helpers of lu2kd's end-to-end path (run by tests/daemon/test-*.sh).
$(eval $(call lu2k_testprog,lu2kd_e2e,tests/daemon/lu2kd_e2e.c,lu2k common))
$(eval $(call lu2k_testprog,lu2kd_evil,tests/daemon/lu2kd_evil.c,common))
