/* SPDX-License-Identifier: MIT */
/*
 * version.h - the one version string of lu2k's user-space programs, so that
 * every tool's --version, lu2kctl status and the daemon's "ready:" line agree.
 */
#ifndef LU2K_VERSION_H
#define LU2K_VERSION_H

#define LU2K_VERSION_STR "0.1.0"

#endif
