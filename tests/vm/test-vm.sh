#!/bin/bash
# The VM test run by tests/run.sh: lu2klnd.ko in qemu (see run-vm.sh and guest-tests.sh).
exec "$(dirname "$0")/run-vm.sh" "$@"
