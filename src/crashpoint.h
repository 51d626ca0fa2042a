/*
 * crashpoint.h: crash injection for the crash-consistency test
 * (tests/integ/crash-points).  CRASHPOINT("name") is nothing at all unless
 * the program is built with -DLITE_CRASHPOINTS (make BUILD=build-crash
 * CFLAGS_EXTRA=-DLITE_CRASHPOINTS, as the test does).  Then,
 * when the environment has LITEIMAPD_CRASHPOINT=name (or name:N, the N-th
 * time that point is reached), the process says so on stderr and kills
 * itself with SIGKILL: no cleanup, no atexit, no flush, as after kill -9.
 * LITEIMAPD_CRASHPOINT=trace only reports each point as it is reached.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#ifndef CRASHPOINT_H
#define CRASHPOINT_H

#ifdef LITE_CRASHPOINTS
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Each name is used in one place, so a counter per file is a count per name. */
static inline void
crashpoint(const char *name)
{
	static unsigned long	 hits;
	const char		*want = getenv("LITEIMAPD_CRASHPOINT");
	size_t			 len = strlen(name);
	unsigned long		 nth = 1;
	char			 msg[128];
	int			 n;

	if (want == NULL)
		return;
	if (strcmp(want, "trace") == 0) {
		n = snprintf(msg, sizeof(msg), "crashpoint %s reached\n", name);
		if (n > 0 && (size_t)n < sizeof(msg))
			(void)!write(2, msg, (size_t)n);
		return;
	}
	if (strncmp(want, name, len) != 0 || (want[len] != '\0' &&
	    want[len] != ':'))
		return;
	if (want[len] == ':')
		nth = strtoul(want + len + 1, NULL, 10);
	if (++hits != nth)
		return;
	n = snprintf(msg, sizeof(msg), "crashpoint %s:%lu: SIGKILL\n", name,
	    nth);
	if (n > 0 && (size_t)n < sizeof(msg))
		(void)!write(2, msg, (size_t)n);
	(void)raise(SIGKILL);
}
#define CRASHPOINT(name)	crashpoint(name)
#else
#define CRASHPOINT(name)	((void)0)
#endif

#endif /* CRASHPOINT_H */
