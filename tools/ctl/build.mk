# lu2kctl: shows a running lu2kd's peers, connections, messages and statistics.
$(eval $(call lu2k_prog,lu2kctl,tools/ctl/lu2kctl.c tools/ctl/req.c tools/ctl/jsonv.c tools/ctl/prom.c tools/ctl/metrics.c tools/ctl/rates.c tools/ctl/ping.c tools/ctl/verbose.c,))
$(eval $(call lu2k_test,test_ctl_prom,tests/unit/test_ctl_prom.c tools/ctl/prom.c tools/ctl/jsonv.c,))
$(eval $(call lu2k_test,test_ctl_jsonv,tests/unit/test_ctl_jsonv.c tools/ctl/jsonv.c,))
$(eval $(call lu2k_test,test_ctl_rates,tests/unit/test_ctl_rates.c tools/ctl/rates.c tools/ctl/prom.c tools/ctl/jsonv.c,))
