/*
 * ctl.h: liteimapctl's commands.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#ifndef CTL_H
#define CTL_H

#include <sysexits.h>

#include "liteimapd.h"

struct ctl {
	struct config	 cfg;
	struct db	*db;
};

int	ctl_open(struct ctl *);
int	ctl_db_exit(int);
int	ctl_user(struct ctl *, int, char **);

#endif
