# What each library of lu2k needs, for mk/rules.mk's link lines: NAME_LIBDEPS
# (lu2k's own libraries) and NAME_LIBEXT (system libraries). A program or test
# names only the libraries it calls itself.
#
#   common          NIDs, addresses, rates, the event loop, timers, lists, the
#                   log, the JSON writer, numbers (common/)
#   auth            node keys, the handshake, sealed records (auth/, libsodium)
#   udt             the UDT engine, no I/O (proto/udt/)
#   lu2kd_backends  tcp, udt, rds behind backends/backend.h
#   lu2kd           the daemon's core (daemon/)
#   lu2k            liblu2k, the user-space kernel half (lib/)
#   linkem, lu2kperf  the link emulator's and lu2k-perf's parts
auth_LIBDEPS := common
auth_LIBEXT := -lsodium
lu2kd_backends_LIBDEPS := udt auth common
lu2kd_LIBDEPS := common
lu2k_LIBDEPS := common
linkem_LIBDEPS := common
lu2kperf_LIBDEPS := lu2k common
