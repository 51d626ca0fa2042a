/*
 * ctl.h: liteimapctl's commands and the helpers they share.
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

/* ctl.c */
int	ctl_open(struct ctl *);
int	ctl_db_exit(int);
int	ctl_find_user(struct ctl *, const char *, int64_t *);

/* ctl_user.c */
int	ctl_user(struct ctl *, int, char **);
int	ctl_who(struct ctl *, int, char **);

/* ctl_mailbox.c: mailbox list|create|delete, and names from the shell */
const char *ctl_mailbox_name(const struct ctl *, const char *,
	    char [MBOX_NAME_MAX + 1]);
const char *ctl_special_use(const char *);
int	ctl_mailbox_ensure(struct ctl *, int64_t, const char *,
	    struct store_mailbox *, bool *);
int	ctl_mailbox(struct ctl *, int, char **);

/* ctl_import.c: mbox and Maildir import; message bytes for both */
struct ctl_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};
void	ctl_buf_reserve(struct ctl_buf *, size_t);
void	ctl_buf_add(struct ctl_buf *, const void *, size_t);
void	ctl_buf_add_crlf(struct ctl_buf *, const char *, size_t, bool);
void	ctl_buf_free(struct ctl_buf *);
int	ctl_import(struct ctl *, int, char **);

/* ctl_deliver.c: the MDA */
int	ctl_deliver(struct ctl *, int, char **);

/* ctl_check.c */
int	ctl_check(struct ctl *, int, char **);

/*
 * store_check.c: the invariants of the database, checked read-only in
 * one snapshot.  Each problem found is passed to the callback as one
 * line of text (a non-zero return stops the check).  The prototype
 * lives here only while liteimapd.h is being edited elsewhere: it
 * belongs under a store_check.c heading there.
 */
struct store_check_stats {
	int64_t	users;
	int64_t	mailboxes;
	int64_t	messages;
	int64_t	contents;
	int64_t	problems;
};
int	store_check(struct db *, int (*)(void *, const char *), void *,
	    struct store_check_stats *);

#endif
