# tests/sim: whole UDT transfers over the link emulator's core in simulated time.
SIM_XFER := tests/sim/sim_xfer.c tests/sim/sim_figures.c tests/sim/sim_scen.c tests/sim/sim_tcp.c tests/sim/sim_bbr.c
$(eval $(call lu2k_test,test_sim_lossy,tests/sim/test_sim_lossy.c $(SIM_XFER),udt linkem))
$(eval $(call lu2k_test,test_sim_native,tests/sim/test_sim_native.c $(SIM_XFER),udt linkem))
$(eval $(call lu2k_test,test_sim_sparse,tests/sim/test_sim_sparse.c $(SIM_XFER),udt linkem))
$(eval $(call lu2k_test,test_sim_busy,tests/sim/test_sim_busy.c $(SIM_XFER),udt linkem))
$(eval $(call lu2k_test,test_sim_latency,tests/sim/test_sim_latency.c $(SIM_XFER),udt linkem))
$(eval $(call lu2k_test,test_sim_start,tests/sim/test_sim_start.c $(SIM_XFER),udt linkem))
$(eval $(call lu2k_test,test_sim_outage,tests/sim/test_sim_outage.c $(SIM_XFER),udt linkem))
$(eval $(call lu2k_test,test_sim_fair,tests/sim/test_sim_fair.c $(SIM_XFER),udt linkem))
$(eval $(call lu2k_test,test_sim_goals,tests/sim/test_sim_goals.c $(SIM_XFER),udt linkem))
$(eval $(call lu2k_test,test_sim_coexist,tests/sim/test_sim_coexist.c $(SIM_XFER),udt linkem))
$(eval $(call lu2k_test,test_sim_fec,tests/sim/test_sim_fec.c $(SIM_XFER),udt linkem))
$(eval $(call lu2k_test,test_sim_rerepair,tests/sim/test_sim_rerepair.c $(SIM_XFER),udt linkem))
