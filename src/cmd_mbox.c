/*
 * cmd_mbox.c: mailbox names and the mailbox-level commands of the
 * authenticated state (RFC 9051 6.3): CREATE (RFC 6154 USE), DELETE,
 * RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST (RFC 5258 LIST-EXTENDED, RFC 5819
 * LIST-STATUS), LSUB (RFC 3501), NAMESPACE (RFC 2342) and STATUS.
 *
 * Names are kept in UTF-8 with "/" between levels; IMAP4rev1 clients see
 * them in modified UTF-7, clients that enabled UTF8=ACCEPT or IMAP4rev2
 * as UTF-8.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"

static const char *const special_uses[] = {
	"\\Archive", "\\Drafts", "\\Junk", "\\Sent", "\\Trash", NULL
};

static bool
utf8_names(const struct session *s)
{
	return (s->enabled & (EN_UTF8 | EN_IMAP4REV2)) != 0;
}

/*
 * The canonical UTF-8 name for a client's mailbox argument, or NULL with
 * *err saying why it cannot name a mailbox.  "INBOX" is matched without
 * regard to case, also as the first level of a longer name.
 */
const char *
mbox_name(struct session *s, const struct str *raw, const char **err)
{
	char	*name;
	size_t	 i, n;

	if (strlen(raw->s) != raw->len) {
		*err = "NUL in mailbox name";
		return NULL;
	}
	if (utf8_names(s)) {
		if (!utf8_valid(raw->s, raw->len)) {
			*err = "Invalid UTF-8 in mailbox name";
			return NULL;
		}
		name = arena_strndup(&s->arena, raw->s, raw->len);
	} else if ((name = mutf7_decode(&s->arena, raw->s, raw->len)) ==
	    NULL) {
		*err = "Invalid modified UTF-7 in mailbox name";
		return NULL;
	}
	n = strlen(name);
	if (n == 0) {
		*err = "Empty mailbox name";
		return NULL;
	}
	if (n > (size_t)s->cfg->max_mailbox_name) {
		*err = "Mailbox name too long";
		return NULL;
	}
	if (strncasecmp(name, "INBOX", 5) == 0 && (name[5] == '\0' ||
	    name[5] == '/'))
		memcpy(name, "INBOX", 5);
	for (i = 0; i < n; i++) {
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
			*err = "Control character in mailbox name";
			return NULL;
		}
		if (name[i] == '*' || name[i] == '%') {
			*err = "Wildcard in mailbox name";
			return NULL;
		}
		if (name[i] == '/' && (i == 0 || i == n - 1 ||
		    name[i + 1] == '/')) {
			*err = "Empty level in mailbox name";
			return NULL;
		}
	}
	return name;
}

/* A mailbox name as the client expects it: atom, quoted or literal. */
int
resp_add_mailbox(struct session *s, const char *name)
{
	const char	*out = name;
	size_t		 i, n;
	bool		 atom = true;

	if (!utf8_names(s) && (out = mutf7_encode(&s->arena, name,
	    strlen(name))) == NULL)
		return -1;
	n = strlen(out);
	for (i = 0; i < n && atom; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\]", c) != NULL)
			atom = false;
	}
	if (atom && n > 0 && strcasecmp(out, "NIL") != 0)
		return resp_add(s, "%s", out);
	return resp_add_string(s, out, n);
}

/* mailbox argument: astring, then the name, or a NO already sent */
static const char *
arg_mailbox(struct session *s, struct parser *p, int *rc)
{
	struct str	 raw;
	const char	*name, *err;

	*rc = 0;
	if (parse_astring(p, &raw) == -1)
		return NULL;
	if ((name = mbox_name(s, &raw, &err)) == NULL) {
		*rc = resp_no(s, CODE_CANNOT, "%s", err);
		return (const char *)"";
	}
	return name;
}

/*
 * CREATE's argument: RFC 9051 6.3.4, a trailing delimiter only says that
 * names will be created below it; it is not part of the name.
 */
static const char *
arg_mailbox_create(struct session *s, struct parser *p, int *rc)
{
	struct str	 raw;
	const char	*name, *err;

	*rc = 0;
	if (parse_astring(p, &raw) == -1)
		return NULL;
	if (raw.len > 1 && raw.s[raw.len - 1] == '/' &&
	    raw.s[raw.len - 2] != '/')
		raw.s[--raw.len] = '\0';
	if ((name = mbox_name(s, &raw, &err)) == NULL) {
		*rc = resp_no(s, CODE_CANNOT, "%s", err);
		return (const char *)"";
	}
	return name;
}


/* CREATE mailbox [SP "(" "USE" SP "(" use-attr ")" ")"] (RFC 6154 3) */
int
cmd_create(struct session *s, struct parser *p)
{
	const char	*name, *use = NULL;
	struct str	 kw, attr;
	size_t		 i;
	int		 rc;

	if (parse_sp(p) == -1 || (name = arg_mailbox_create(s, p, &rc)) ==
	    NULL)
		return cmd_syntax(s, p);
	if (parse_peek(p) == ' ') {
		if (parse_sp(p) == -1 || parse_list_open(p) == -1 ||
		    parse_atom(p, &kw) == -1 || strcasecmp(kw.s, "USE") != 0 ||
		    parse_sp(p) == -1 || parse_list_open(p) == -1) {
			parse_fail(p, "expected (USE (attributes))");
			return cmd_syntax(s, p);
		}
		while (parse_list_next(p)) {
			if (use != NULL && parse_sp(p) == -1)
				return cmd_syntax(s, p);
			if (parse_char(p, '\\') == -1 || parse_atom(p, &attr) ==
			    -1)
				return cmd_syntax(s, p);
			if (use != NULL)
				return resp_no(s, CODE_USEATTR, "One special "
				    "use per mailbox");
			for (i = 0; special_uses[i] != NULL; i++)
				if (strcasecmp(special_uses[i] + 1, attr.s) ==
				    0)
					use = special_uses[i];
			if (use == NULL)
				return resp_no(s, CODE_USEATTR, "Special use "
				    "\\%.32s is not supported", attr.s);
		}
		/* NOLINTNEXTLINE(misc-redundant-expression): two lists end */
		if (parse_list_close(p) == -1 || parse_list_close(p) == -1)
			return cmd_syntax(s, p);
	}
	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (rc != 0 || *name == '\0')
		return rc;
	if (strcmp(name, "INBOX") == 0)
		return resp_no(s, CODE_ALREADYEXISTS, "INBOX always exists");
	rc = store_mailbox_create(s->db, s->user_id, name, use);
	if (rc == DB_EXISTS)
		return resp_no(s, CODE_ALREADYEXISTS, "Mailbox exists");
	if (rc != DB_OK)
		return cmd_db_error(s, rc, "CREATE failed");
	log_info("created mailbox %s", name);
	return resp_ok(s, "CREATE completed");
}

int
cmd_delete(struct session *s, struct parser *p)
{
	const char	*name;
	int		 rc;

	if (parse_sp(p) == -1 || (name = arg_mailbox(s, p, &rc)) == NULL ||
	    parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (rc != 0 || *name == '\0')
		return rc;
	if (strcmp(name, "INBOX") == 0)
		return resp_no(s, CODE_CANNOT, "INBOX cannot be deleted");
	if (s->state == STATE_SELECTED) {
		struct store_mailbox cur;

		if (store_mailbox_get(s->db, s->user_id, name, &cur, NULL) ==
		    DB_OK && cur.id == s->sel.id)
			return resp_no(s, CODE_INUSE, "Mailbox is selected; "
			    "close it first");
	}
	rc = store_mailbox_delete(s->db, s->user_id, name);
	if (rc == DB_NOTFOUND)
		return resp_no(s, CODE_NONEXISTENT, "Mailbox does not exist");
	if (rc == DB_EXISTS)
		return resp_no(s, CODE_CANNOT, "Mailbox has inferior "
		    "hierarchical names and is \\Noselect");
	if (rc != DB_OK)
		return cmd_db_error(s, rc, "DELETE failed");
	log_info("deleted mailbox %s", name);
	return resp_ok(s, "DELETE completed");
}

int
cmd_rename(struct session *s, struct parser *p)
{
	const char	*from, *to;
	size_t		 n;
	int		 rc, rc2;

	if (parse_sp(p) == -1 || (from = arg_mailbox(s, p, &rc)) == NULL ||
	    parse_sp(p) == -1 || (to = arg_mailbox(s, p, &rc2)) == NULL ||
	    parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (rc != 0 || *from == '\0')
		return rc;
	if (rc2 != 0 || *to == '\0')
		return rc2;
	n = strlen(from);
	if (strcmp(from, to) == 0 || strcmp(to, "INBOX") == 0)
		return resp_no(s, CODE_ALREADYEXISTS, "Mailbox exists");
	if (strncmp(to, from, n) == 0 && to[n] == '/' &&
	    strcmp(from, "INBOX") != 0)
		return resp_no(s, CODE_CANNOT, "Cannot move a mailbox into "
		    "itself");
	rc = store_mailbox_rename(s->db, s->user_id, from, to);
	if (rc == DB_NOTFOUND)
		return resp_no(s, CODE_NONEXISTENT, "Mailbox does not exist");
	if (rc == DB_EXISTS)
		return resp_no(s, CODE_ALREADYEXISTS, "Mailbox exists");
	if (rc != DB_OK)
		return cmd_db_error(s, rc, "RENAME failed");
	log_info("renamed mailbox %s to %s", from, to);
	/* the selected mailbox keeps its id; only its name moved */
	if (s->state == STATE_SELECTED && strcmp(from, "INBOX") != 0 &&
	    strncmp(s->sel.name, from, n) == 0 && (s->sel.name[n] == '\0' ||
	    s->sel.name[n] == '/')) {
		char renamed[MBOX_NAME_MAX + 1];

		if ((size_t)snprintf(renamed, sizeof(renamed), "%s%s", to,
		    s->sel.name + n) < sizeof(renamed))
			(void)strlcpy(s->sel.name, renamed, sizeof(s->sel.name));
	}
	return resp_ok(s, "RENAME completed");
}

static int
subscribe(struct session *s, struct parser *p, bool on)
{
	const char	*name;
	int		 rc;

	if (parse_sp(p) == -1 || (name = arg_mailbox(s, p, &rc)) == NULL ||
	    parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (rc != 0 || *name == '\0')
		return rc;
	rc = store_subscribe(s->db, s->user_id, name, on);
	if (rc == DB_NOTFOUND)
		return resp_no(s, CODE_NONEXISTENT, "Not subscribed");
	if (rc != DB_OK)
		return cmd_db_error(s, rc, "SUBSCRIBE failed");
	return resp_ok(s, "%s completed", on ? "SUBSCRIBE" : "UNSUBSCRIBE");
}

int
cmd_subscribe(struct session *s, struct parser *p)
{
	return subscribe(s, p, true);
}

int
cmd_unsubscribe(struct session *s, struct parser *p)
{
	return subscribe(s, p, false);
}

/* NAMESPACE: one personal namespace, no prefix, "/" (RFC 2342) */
int
cmd_namespace(struct session *s, struct parser *p)
{
	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (resp_untagged(s, "NAMESPACE ((\"\" \"/\")) NIL NIL") == -1)
		return -1;
	return resp_ok(s, "NAMESPACE completed");
}

/* ---- STATUS ---- */

#define ST_MESSAGES	0x01
#define ST_UIDNEXT	0x02
#define ST_UIDVALIDITY	0x04
#define ST_UNSEEN	0x08
#define ST_DELETED	0x10
#define ST_SIZE		0x20
#define ST_RECENT	0x40
#define ST_HIGHESTMODSEQ 0x80
#define ST_APPENDLIMIT	0x100

static const struct {
	const char	*name;
	unsigned	 bit;
} status_items[] = {
	{ "MESSAGES", ST_MESSAGES }, { "UIDNEXT", ST_UIDNEXT },
	{ "UIDVALIDITY", ST_UIDVALIDITY }, { "UNSEEN", ST_UNSEEN },
	{ "DELETED", ST_DELETED }, { "SIZE", ST_SIZE },
	{ "RECENT", ST_RECENT }, { "HIGHESTMODSEQ", ST_HIGHESTMODSEQ },
	{ "APPENDLIMIT", ST_APPENDLIMIT },
};
#define NSTATUS	(sizeof(status_items) / sizeof(status_items[0]))

/* "(" status-att *(SP status-att) ")" into a bit set */
static int
parse_status_items(struct parser *p, unsigned *items)
{
	struct str	a;
	size_t		i;

	*items = 0;
	if (parse_list_open(p) == -1)
		return -1;
	do {
		if (*items != 0 && parse_sp(p) == -1)
			return -1;
		if (parse_atom(p, &a) == -1)
			return -1;
		for (i = 0; i < NSTATUS; i++)
			if (strcasecmp(a.s, status_items[i].name) == 0)
				break;
		if (i == NSTATUS)
			return parse_fail(p, "unknown status item");
		*items |= status_items[i].bit;
	} while (parse_peek(p) == ' ');
	return parse_list_close(p);
}

/* One "* STATUS name (...)" line from the mailbox row. */
static int
status_line(struct session *s, const struct store_mailbox *mb,
    unsigned items)
{
	struct uidmap		map;
	struct store_mailbox	tmp;
	uint32_t		recent = 0;
	const char	*sep = "";
	int		rc;

	if (items & ST_RECENT) {
		memset(&map, 0, sizeof(map));
		if (store_mailbox_get_id(s->db, mb->id, &tmp, &map) != DB_OK) {
			uidmap_free(&map);
			return -2;
		}
		recent = map.count - (uidmap_seq_ceil(&map, mb->recent_uid + 1)
		    - 1);
		uidmap_free(&map);
	}
	if (resp_begin(s) == -1 || resp_add(s, "STATUS ") == -1 ||
	    resp_add_mailbox(s, mb->name) == -1 || resp_add(s, " (") == -1)
		return -1;
#define ITEM(bit, fmt, v)						\
	if ((items & (bit)) && resp_add(s, "%s" fmt, sep, v) == -1)	\
		return -1;						\
	if (items & (bit))						\
		sep = " ";
	ITEM(ST_MESSAGES, "MESSAGES %u", mb->messages)
	ITEM(ST_UIDNEXT, "UIDNEXT %u", mb->uidnext)
	ITEM(ST_UIDVALIDITY, "UIDVALIDITY %u", mb->uidvalidity)
	ITEM(ST_UNSEEN, "UNSEEN %u", mb->unseen)
	ITEM(ST_DELETED, "DELETED %u", mb->deleted)
	ITEM(ST_SIZE, "SIZE %llu", (unsigned long long)mb->size)
	ITEM(ST_RECENT, "RECENT %u", recent)
	ITEM(ST_HIGHESTMODSEQ, "HIGHESTMODSEQ %llu",
	    (unsigned long long)mb->highestmodseq)
	ITEM(ST_APPENDLIMIT, "APPENDLIMIT %llu",
	    (unsigned long long)s->cfg->max_literal)
#undef ITEM
	rc = resp_add(s, ")");
	return rc == -1 ? -1 : resp_end(s);
}

int
cmd_status(struct session *s, struct parser *p)
{
	struct store_mailbox	 mb;
	const char		*name;
	unsigned		 items;
	int			 rc;

	if (parse_sp(p) == -1 || (name = arg_mailbox(s, p, &rc)) == NULL ||
	    parse_sp(p) == -1 || parse_status_items(p, &items) == -1 ||
	    parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (rc != 0 || *name == '\0')
		return rc;
	rc = store_mailbox_get(s->db, s->user_id, name, &mb, NULL);
	if (rc == DB_NOTFOUND || (rc == DB_OK && mb.noselect))
		return resp_no(s, CODE_NONEXISTENT, "Mailbox does not exist");
	if (rc != DB_OK)
		return cmd_db_error(s, rc, "STATUS failed");
	if ((rc = status_line(s, &mb, items)) != 0)
		return rc == -1 ? -1 : resp_serverbug(s, "STATUS failed");
	return resp_ok(s, "STATUS completed");
}

/* ---- LIST and LSUB ---- */

#define SEL_SUBSCRIBED	0x01
#define SEL_REMOTE	0x02
#define SEL_RECURSIVE	0x04
#define SEL_SPECIALUSE	0x08
#define RET_SUBSCRIBED	0x01
#define RET_CHILDREN	0x02
#define RET_SPECIALUSE	0x04
#define RET_STATUS	0x08

struct lent {
	char			*name;
	struct store_mailbox	*mb;	/* NULL: subscribed, not existing */
	bool			 subscribed;
	bool			 kids;
	bool			 subkids;	/* a subscribed descendant */
};

struct lctx {
	struct session	*s;
	struct lent	*v;
	size_t		 n;
	size_t		 cap;
	char		**subs;
	size_t		 nsubs;
	size_t		 subscap;
};

static int
collect_mailbox(void *arg, const struct store_mailbox *mb)
{
	struct lctx	*c = arg;
	struct lent	*e;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->v = xreallocarray(c->v, c->cap, sizeof(*c->v));
	}
	e = &c->v[c->n++];
	memset(e, 0, sizeof(*e));
	e->mb = arena_alloc(&c->s->arena, sizeof(*e->mb));
	*e->mb = *mb;
	e->name = e->mb->name;
	return 0;
}

static int
collect_sub(void *arg, const char *name)
{
	struct lctx	*c = arg;

	if (c->nsubs == c->subscap) {
		c->subscap = c->subscap ? c->subscap * 2 : 32;
		c->subs = xreallocarray(c->subs, c->subscap, sizeof(*c->subs));
	}
	c->subs[c->nsubs++] = arena_strndup(&c->s->arena, name, strlen(name));
	return 0;
}

static int
cmp_lent(const void *a, const void *b)
{
	return strcmp(((const struct lent *)a)->name,
	    ((const struct lent *)b)->name);
}

static struct lent *
find_lent(struct lctx *c, const char *name)
{
	struct lent	key;

	memset(&key, 0, sizeof(key));
	key.name = (char *)(uintptr_t)name;
	return bsearch(&key, c->v, c->n, sizeof(*c->v), cmp_lent);
}

/*
 * Mailboxes and subscriptions merged in one sorted table, each knowing
 * whether it has children and subscribed descendants.
 */
static int
list_load(struct lctx *c)
{
	struct lent	*e;
	size_t		 i, n, nmb;
	char		*slash, *anc;
	bool		 first;

	if (store_mailbox_list(c->s->db, c->s->user_id, collect_mailbox, c) !=
	    DB_OK || store_subscriptions(c->s->db, c->s->user_id, collect_sub,
	    c) != DB_OK)
		return -1;
	nmb = c->n;
	for (i = 0; i < c->nsubs; i++) {
		/* both lists come sorted; the mailbox part stays sorted */
		struct lent key = { .name = c->subs[i] };

		if ((e = bsearch(&key, c->v, nmb, sizeof(*c->v), cmp_lent)) !=
		    NULL) {
			e->subscribed = true;
			continue;
		}
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 32;
			c->v = xreallocarray(c->v, c->cap, sizeof(*c->v));
		}
		e = &c->v[c->n++];
		memset(e, 0, sizeof(*e));
		e->name = c->subs[i];
		e->subscribed = true;
	}
	qsort(c->v, c->n, sizeof(*c->v), cmp_lent);
	/* ancestors of subscribed names that are nothing themselves */
	nmb = c->n;
	for (i = 0; i < nmb; i++) {
		if (!c->v[i].subscribed)
			continue;
		anc = arena_strndup(&c->s->arena, c->v[i].name,
		    strlen(c->v[i].name));
		while ((slash = strrchr(anc, '/')) != NULL) {
			*slash = '\0';
			if (find_lent(c, anc) != NULL)
				continue;
			if (c->n == c->cap) {
				c->cap = c->cap ? c->cap * 2 : 32;
				c->v = xreallocarray(c->v, c->cap,
				    sizeof(*c->v));
			}
			e = &c->v[c->n++];
			memset(e, 0, sizeof(*e));
			e->name = arena_strndup(&c->s->arena, anc, strlen(anc));
			/* keep the table sorted for find_lent */
			qsort(c->v, c->n, sizeof(*c->v), cmp_lent);
		}
	}
	for (i = 0; i < c->n; i++) {
		/* walk up the ancestors on a copy of the name */
		n = strlen(c->v[i].name);
		anc = arena_strndup(&c->s->arena, c->v[i].name, n);
		for (first = true; (slash = strrchr(anc, '/')) != NULL;
		    first = false) {
			*slash = '\0';
			if ((e = find_lent(c, anc)) != NULL) {
				if (first && c->v[i].mb != NULL)
					e->kids = true;
				if (c->v[i].subscribed)
					e->subkids = true;
			}
			if (!c->v[i].subscribed)
				break;
		}
	}
	return 0;
}

/*
 * Does name match the pattern?  "*" matches anything, "%" anything but
 * the delimiter.  Dynamic programming over (pattern, name) positions:
 * no exponential backtracking whatever the client sends.
 */
static bool
list_match(struct arena *a, const char *pat, const char *name)
{
	size_t	 np = strlen(pat), nn = strlen(name), i, j;
	bool	*row, *next, *t;

	row = arena_alloc(a, nn + 1);
	next = arena_alloc(a, nn + 1);
	memset(row, 0, nn + 1);
	row[0] = true;		/* empty pattern matches empty name */
	for (i = 0; i < np; i++) {
		memset(next, 0, nn + 1);
		for (j = 0; j <= nn; j++) {
			if (pat[i] == '*') {
				next[j] = row[j] || (j > 0 && next[j - 1]);
			} else if (pat[i] == '%') {
				next[j] = row[j] || (j > 0 && next[j - 1] &&
				    name[j - 1] != '/');
			} else
				next[j] = j > 0 && row[j - 1] &&
				    pat[i] == name[j - 1];
		}
		t = row;
		row = next;
		next = t;
	}
	return row[nn];
}

/* Does any of the patterns match name (INBOX without regard to case)? */
static bool
match_any(struct session *s, char **pats, size_t npats, const char *name)
{
	size_t	i;

	for (i = 0; i < npats; i++)
		if (list_match(&s->arena, pats[i], name))
			return true;
	return false;
}

/*
 * Has entry i a subscribed descendant that none of the patterns
 * matches (so the client would not see it)?
 */
static bool
subscribed_below(struct session *s, struct lctx *c, size_t i, char **pats,
    size_t npats)
{
	const char	*name = c->v[i].name;
	size_t		 n = strlen(name), j;

	if (!c->v[i].subkids)
		return false;
	/* descendants sort after the name; others may come between */
	for (j = i + 1; j < c->n; j++) {
		if (strncmp(c->v[j].name, name, n) != 0)
			break;
		if (c->v[j].name[n] != '/')
			continue;
		if (c->v[j].subscribed && !match_any(s, pats, npats,
		    c->v[j].name))
			return true;
	}
	return false;
}

static int
list_line(struct session *s, const char *cmd, struct lent *e, unsigned sel,
    unsigned ret, bool childinfo)
{
	const char	*sep = "";

	if (resp_begin(s) == -1 || resp_add(s, "%s (", cmd) == -1)
		return -1;
#define ATTR(str)							\
	do {								\
		if (resp_add(s, "%s%s", sep, str) == -1)		\
			return -1;					\
		sep = " ";						\
	} while (0)
	if (e->mb == NULL)
		ATTR(strcmp(cmd, "LSUB") == 0 ? "\\Noselect" : "\\NonExistent");
	else if (e->mb->noselect)
		ATTR("\\Noselect");
	if (strcmp(cmd, "LIST") == 0 && e->mb != NULL) {
		ATTR(e->kids ? "\\HasChildren" : "\\HasNoChildren");
		if (!e->mb->noselect && e->mb->special_use[0] != '\0')
			ATTR(e->mb->special_use);
		if (!e->mb->noselect && e->mb->uidnext > 1)
			ATTR(e->mb->messages > 0 && e->mb->recent_uid + 1 <
			    e->mb->uidnext ? "\\Marked" : "\\Unmarked");
	}
	if (e->subscribed && (sel & SEL_SUBSCRIBED || ret & RET_SUBSCRIBED))
		ATTR("\\Subscribed");
#undef ATTR
	if (resp_add(s, ") \"/\" ") == -1 || resp_add_mailbox(s, e->name) ==
	    -1)
		return -1;
	if (childinfo && resp_add(s, " (\"CHILDINFO\" (\"SUBSCRIBED\"))") ==
	    -1)
		return -1;
	return resp_end(s);
}

/*
 * The LIST family.  lsub: the IMAP4rev1 LSUB command.  RFC 5258 3: the
 * selection options choose the entries, the return options what is said
 * of them.
 */
static int
do_list(struct session *s, char **pats, size_t npats, unsigned sel,
    unsigned ret, unsigned status, bool lsub)
{
	struct lctx	 c;
	struct lent	*e;
	size_t		 i, k;
	bool		 m, childinfo;
	int		 rc = 0;

	memset(&c, 0, sizeof(c));
	c.s = s;
	if (list_load(&c) == -1) {
		free(c.v);
		free(c.subs);
		return resp_serverbug(s, "LIST: reading mailboxes");
	}
	for (i = 0; i < c.n && rc == 0; i++) {
		e = &c.v[i];
		m = match_any(s, pats, npats, e->name);
		childinfo = false;
		if (!m)
			continue;
		if (lsub || sel & SEL_SUBSCRIBED) {
			bool hidden = subscribed_below(s, &c, i, pats, npats);

			if (e->subscribed) {
				/* RFC 5258 3.5: it has subscribed children */
				childinfo = !lsub && (sel & SEL_RECURSIVE) &&
				    e->subkids;
			} else {
				/*
				 * RECURSIVEMATCH (RFC 5258) and LSUB "%"
				 * (RFC 3501 6.3.9): a parent of subscribed
				 * names the pattern does not reach.
				 */
				if (!hidden)
					continue;
				if (lsub) {
					bool pct = false;

					for (k = 0; k < npats; k++)
						if (strchr(pats[k], '%'))
							pct = true;
					if (!pct)
						continue;
				} else if (!(sel & SEL_RECURSIVE))
					continue;
				childinfo = !lsub;
			}
		} else if (e->mb == NULL)
			continue;
		/* RFC 6154: SPECIAL-USE selects only those mailboxes */
		if (sel & SEL_SPECIALUSE && (e->mb == NULL || e->mb->noselect ||
		    e->mb->special_use[0] == '\0'))
			continue;
		if (lsub) {
			struct lent l = *e;

			if (!e->subscribed || e->mb == NULL || e->mb->noselect)
				l.mb = NULL;	/* shown as \Noselect */
			rc = list_line(s, "LSUB", &l, 0, 0, false);
			continue;
		}
		rc = list_line(s, "LIST", e, sel, ret, childinfo);
		if (rc == 0 && ret & RET_STATUS && e->mb != NULL &&
		    !e->mb->noselect && (rc = status_line(s, e->mb, status)) ==
		    -2)
			rc = -1;
	}
	free(c.v);
	free(c.subs);
	if (rc == -1)
		return -1;
	return resp_ok(s, "%s completed", lsub ? "LSUB" : "LIST");
}

/* list-mailbox = 1*list-char / string */
static int
parse_list_mailbox(struct parser *p, struct str *out)
{
	const unsigned char	*st = p->p;
	int			 c = parse_peek(p);

	if (c == '"' || c == '{' || c == '~')
		return parse_string(p, out);
	while (p->p < p->end && (c = *p->p) > 0x20 && c < 0x7f &&
	    strchr("(){\"\\", c) == NULL)
		p->p++;
	if (p->p == st)
		return parse_fail(p, "expected a mailbox pattern");
	out->len = (size_t)(p->p - st);
	out->s = arena_strndup(p->arena, st, out->len);
	return 0;
}

/* reference + pattern, canonical (UTF-8, INBOX upper-case), or NULL */
static char *
make_pattern(struct session *s, const struct str *ref, const struct str *pat)
{
	char	*r, *q, *full;

	/*
	 * The analyzer does not see into parse.c: parse_fail() returns -1,
	 * so ref and pat are set once parse_list_mailbox() returned 0.
	 * NOLINTBEGIN(clang-analyzer-core.CallAndMessage)
	 */
	if (utf8_names(s)) {
		if (!utf8_valid(ref->s, ref->len) || !utf8_valid(pat->s,
		    pat->len))
			return NULL;
		r = ref->s;
		q = pat->s;
	} else if ((r = mutf7_decode(&s->arena, ref->s, ref->len)) == NULL ||
	    (q = mutf7_decode(&s->arena, pat->s, pat->len)) == NULL)
		return NULL;
	/* NOLINTEND(clang-analyzer-core.CallAndMessage) */
	full = arena_printf(&s->arena, "%s%s", r, q);
	if (strncasecmp(full, "INBOX", 5) == 0 && (full[5] == '\0' ||
	    full[5] == '/'))
		memcpy(full, "INBOX", 5);
	return full;
}

static int
parse_opt_list(struct parser *p, const char *const *names,
    const unsigned *bits, unsigned *out, unsigned *status)
{
	struct str	a;
	size_t		i;
	bool		first = true;

	if (parse_list_open(p) == -1)
		return -1;
	while (parse_list_next(p)) {
		if (!first && parse_sp(p) == -1)
			return -1;
		first = false;
		if (parse_atom(p, &a) == -1)
			return -1;
		for (i = 0; names[i] != NULL; i++)
			if (strcasecmp(names[i], a.s) == 0)
				break;
		if (names[i] == NULL)
			return parse_fail(p, "unknown LIST option");
		*out |= bits[i];
		if (status != NULL && bits[i] == RET_STATUS && (parse_sp(p) ==
		    -1 || parse_status_items(p, status) == -1))
			return -1;
	}
	return parse_list_close(p);
}

/*
 * LIST [SP list-select-opts] SP mailbox SP mbox-or-pat
 *     [SP list-return-opts]                      (RFC 5258, RFC 9051)
 */
int
cmd_list(struct session *s, struct parser *p)
{
	static const char *const selnames[] = { "SUBSCRIBED", "REMOTE",
	    "RECURSIVEMATCH", "SPECIAL-USE", NULL };
	static const unsigned selbits[] = { SEL_SUBSCRIBED, SEL_REMOTE,
	    SEL_RECURSIVE, SEL_SPECIALUSE };
	static const char *const retnames[] = { "SUBSCRIBED", "CHILDREN",
	    "SPECIAL-USE", "STATUS", NULL };
	static const unsigned retbits[] = { RET_SUBSCRIBED, RET_CHILDREN,
	    RET_SPECIALUSE, RET_STATUS };
	struct str	 ref, pat, kw;
	char		*pats[64];
	size_t		 npats = 0;
	unsigned	 sel = 0, ret = 0, status = 0;
	bool		 multi = false;

	if (parse_sp(p) == -1)
		return cmd_syntax(s, p);
	if (parse_peek(p) == '(') {
		if (parse_opt_list(p, selnames, selbits, &sel, NULL) == -1 ||
		    parse_sp(p) == -1)
			return cmd_syntax(s, p);
		/* RFC 5258 3: RECURSIVEMATCH alone is an error */
		if ((sel & SEL_RECURSIVE) && !(sel & ~(SEL_RECURSIVE |
		    SEL_REMOTE))) {
			parse_fail(p, "RECURSIVEMATCH needs another selection "
			    "option");
			return cmd_syntax(s, p);
		}
	}
	if (parse_astring(p, &ref) == -1 || parse_sp(p) == -1)
		return cmd_syntax(s, p);
	if (parse_peek(p) == '(') {
		multi = true;
		if (parse_list_open(p) == -1)
			return cmd_syntax(s, p);
		do {
			if (npats > 0 && parse_sp(p) == -1)
				return cmd_syntax(s, p);
			if (parse_list_mailbox(p, &pat) == -1)
				return cmd_syntax(s, p);
			if (npats == sizeof(pats) / sizeof(pats[0])) {
				parse_fail(p, "too many patterns");
				return cmd_syntax(s, p);
			}
			if ((pats[npats++] = make_pattern(s, &ref, &pat)) ==
			    NULL)
				return resp_bad(s, "Invalid mailbox pattern");
		} while (parse_peek(p) == ' ');
		if (parse_list_close(p) == -1)
			return cmd_syntax(s, p);
	} else {
		if (parse_list_mailbox(p, &pat) == -1)
			return cmd_syntax(s, p);
		if ((pats[npats++] = make_pattern(s, &ref, &pat)) == NULL)
			return resp_bad(s, "Invalid mailbox pattern");
	}
	if (parse_peek(p) == ' ') {
		if (parse_sp(p) == -1 || parse_atom(p, &kw) == -1 ||
		    strcasecmp(kw.s, "RETURN") != 0 || parse_sp(p) == -1 ||
		    parse_opt_list(p, retnames, retbits, &ret, &status) == -1)
			return cmd_syntax(s, p);
	}
	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	/* RFC 9051 6.3.9: LIST "" "" asks for the delimiter */
	if (!multi && sel == 0 && pat.len == 0) {
		if (resp_untagged(s, "LIST (\\Noselect) \"/\" \"\"") == -1)
			return -1;
		return resp_ok(s, "LIST completed");
	}
	return do_list(s, pats, npats, sel, ret, status, false);
}

/* LSUB reference pattern (RFC 3501 6.3.9) */
int
cmd_lsub(struct session *s, struct parser *p)
{
	struct str	 ref, pat;
	char		*pats[1];

	if (parse_sp(p) == -1 || parse_astring(p, &ref) == -1 ||
	    parse_sp(p) == -1 || parse_list_mailbox(p, &pat) == -1 ||
	    parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if ((pats[0] = make_pattern(s, &ref, &pat)) == NULL)
		return resp_bad(s, "Invalid mailbox pattern");
	return do_list(s, pats, 1, SEL_SUBSCRIBED, 0, 0, true);
}
