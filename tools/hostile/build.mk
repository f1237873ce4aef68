# lu2k-hostile: a hostile peer for lu2kd's denial-of-service tests (never installed).
$(eval $(call lu2k_testprog,lu2k-hostile,tools/hostile/lu2k_hostile.c tools/hostile/hostile_auth.c tools/hostile/hostile_udt_auth.c tools/hostile/hostile_hsflood.c \
	backends/udt_wire.c backends/tcp_wire.c,udt auth common))
