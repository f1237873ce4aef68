/* SPDX-License-Identifier: MIT */
/*
 * notify.h - tell the service manager how lu2kd is doing (systemd's
 * Type=notify protocol), written by hand so that lu2kd needs no libsystemd.
 *
 * The protocol: if $NOTIFY_SOCKET names a unix datagram socket (a path, or
 * "@name" for the abstract namespace), send it one datagram of newline-
 * separated VAR=value lines: READY=1 once the daemon serves, STOPPING=1
 * when it begins to shut down, STATUS=free text for `systemctl status`.
 * Without $NOTIFY_SOCKET there is no service manager listening: nothing
 * to do, and that is not an error.
 */
#ifndef LU2K_DAEMON_NOTIFY_H
#define LU2K_DAEMON_NOTIFY_H

/*
 * Send state (e.g. "READY=1\nSTATUS=serving") to $NOTIFY_SOCKET.
 * Returns 1 if sent, 0 if there is no $NOTIFY_SOCKET, -EINVAL if it is not
 * a usable address, or -errno from socket()/sendto().
 */
int lu2kd_notify(const char *state);

#endif
