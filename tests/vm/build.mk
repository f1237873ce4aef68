# Programs for the VM tests (tests/vm/test-vm.sh boots them with lu2klnd.ko in qemu).
$(eval $(call lu2k_testprog,chan-loop,tests/vm/chan-loop.c,common))
$(eval $(call lu2k_testprog,chan-evil,tests/vm/chan-evil.c,common))
