# UDT engine benchmarks: programs that print figures (never run by the tests).
$(eval $(call lu2k_testprog,bench-udt,tests/udt-bench/bench_udt.c,udt linkem))
