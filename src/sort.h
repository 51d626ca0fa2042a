/*
 * sort.h: SORT and THREAD (RFC 5256) with DISPLAYFROM/DISPLAYTO
 * (RFC 5957) and ESORT (RFC 5267): what cmd_sort.c and store_sort.c
 * share, and the pure parts the unit tests call.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#ifndef SORT_H
#define SORT_H

#include "liteimapd.h"

/* store_sort.c: the sort and thread keys of a set of messages */
#define SORTCOL_SENT	0x001	/* sentdate (falls back to internaldate) */
#define SORTCOL_SUBJECT	0x002	/* base subject */
#define SORTCOL_FROM	0x004
#define SORTCOL_TO	0x008
#define SORTCOL_CC	0x010
#define SORTCOL_DFROM	0x020	/* RFC 5957 display forms */
#define SORTCOL_DTO	0x040
#define SORTCOL_IDS	0x080	/* Message-ID, In-Reply-To, References */

struct sort_row {
	uint32_t	 uid;
	uint32_t	 size;		/* RFC822.SIZE */
	int64_t		 arrival;	/* internal date, unix time (UTC) */
	int64_t		 sent;		/* Date: in UTC; arrival without one */
	/* folded keys, "" when missing or not read */
	const char	*subject, *from, *to, *cc, *dfrom, *dto;
	/* raw header values, "" when missing or not read */
	const char	*msgid, *irt, *refs;
};
struct sort_rows {
	struct sort_row	*v;		/* ascending UID (= mailbox) order */
	size_t		 n;
	struct arena	 strings;
};
int	store_sort_rows(struct db *, int64_t, const struct uidmap *, unsigned,
	    struct sort_rows *);
void	sort_rows_free(struct sort_rows *);
struct sort_subjects {			/* decoded subjects, one at a time */
	struct db		*db;
	struct sqlite3_stmt	*st;
};
int	store_sort_subjects_open(struct db *, int64_t, struct sort_subjects *);
int	store_sort_subject(struct sort_subjects *, uint32_t, struct sbuf *);
void	store_sort_subjects_close(struct sort_subjects *);

/* cmd_sort.c: threading, independent of the database */
struct thread_msg {			/* one message, in mailbox order */
	int64_t		 sent;
	const char	*subject;	/* base subject, folded */
	bool		 reply;		/* subject said reply or forward, if
					   thread_references has no reply_fn */
	const char	*msgid;		/* raw header values or NULL */
	const char	*irt;
	const char	*refs;
};
struct thread_node {
	int32_t		 msg;		/* index into the messages, -1: dummy */
	int32_t		 parent;	/* -1: none */
	int32_t		 child;		/* first child, -1: none */
	int32_t		 next;		/* next sibling, -1: none */
	int32_t		 prev;
};
struct thread_tree {			/* node 0 is the root */
	struct thread_node *v;
	size_t		 n;
	size_t		 cap;
};
void	thread_orderedsubject(const struct thread_msg *, size_t,
	    struct thread_tree *);
typedef bool (*thread_reply_fn)(void *, size_t);
void	thread_references(const struct thread_msg *, size_t,
	    struct thread_tree *, thread_reply_fn, void *);
void	thread_format(const struct thread_tree *, const uint32_t *,
	    struct sbuf *);
void	thread_tree_free(struct thread_tree *);
bool	subject_extract(struct sbuf *, const char *, size_t);
bool	msgid_next(const char **, const char *, const char **, size_t *);

int	cmd_sort(struct session *, struct parser *);
int	cmd_thread(struct session *, struct parser *);

#endif /* SORT_H */
