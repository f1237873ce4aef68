# Unit tests of the shared channel headers (include/lu2k/*.h).
$(eval $(call lu2k_test,test_ring,tests/unit/test_ring.c,))
$(eval $(call lu2k_test,test_abi,tests/unit/test_abi.c,))
$(eval $(call lu2k_test,test_cookie,tests/unit/test_cookie.c,))
$(eval $(call lu2k_test,test_credit,tests/unit/test_credit.c,))
$(eval $(call lu2k_test,test_ring_stress,tests/unit/test_ring_stress.c,))
$(eval $(call lu2k_tsan_test,test_ring_stress_tsan,tests/unit/test_ring_stress.c))
$(eval $(call lu2k_test,test_json,tests/unit/test_json.c common/json.c tools/ctl/jsonv.c,))
