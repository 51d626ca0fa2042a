/*
 * cmd_sort.c: SORT and THREAD (RFC 5256), the DISPLAYFROM and DISPLAYTO
 * sort keys (RFC 5957) and SORT RETURN (ESORT, RFC 5267).
 *
 * The search criteria are those of SEARCH (search_parse, search_run);
 * the keys of the hits are read from the columns filled at delivery
 * (store_sort_rows), so nothing is parsed here but the command and the
 * message IDs of References and In-Reply-To.  Strings are compared
 * bytewise: the stored keys are already folded (i;unicode-casemap), and
 * a missing one is "" and sorts first.
 *
 * The threading functions work on plain arrays and are unit-tested
 * without a database.  Nothing recurses on message data: a thread may be
 * as deep as the mailbox is large.  Whether a message is a reply (which
 * THREAD=REFERENCES asks of top-level messages sharing a subject) takes
 * its decoded Subject, read only for those.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "liteimapd.h"
#include "sort.h"

#define MAX_CRITERIA	16

#define RET_MIN		0x01
#define RET_MAX		0x02
#define RET_ALL		0x04
#define RET_COUNT	0x08
#define RET_SAVE	0x10

/* ---- base subject and reply detection (RFC 5256 2.1) ---- */

/* subj-blob = "[" *BLOBCHAR "]" *WSP at p: where it ends, or NULL. */
static const char *
blob_end(const char *p, const char *e)
{
	const char	*q;

	if (p >= e || *p != '[')
		return NULL;
	for (q = p + 1; q < e && *q != ']'; q++)
		if (*q == '[')
			return NULL;
	if (q == e)
		return NULL;
	for (q++; q < e && *q == ' '; q++)
		;
	return q;
}

/* subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":" at p. */
static const char *
refwd_end(const char *p, const char *e)
{
	const char	*q, *b;

	if (e - p >= 2 && strncasecmp(p, "re", 2) == 0)
		q = p + 2;
	else if (e - p >= 2 && strncasecmp(p, "fw", 2) == 0) {
		q = p + 2;
		if (q < e && (*q == 'd' || *q == 'D'))
			q++;
	} else
		return NULL;
	while (q < e && *q == ' ')
		q++;
	if ((b = blob_end(q, e)) != NULL)
		q = b;
	return q < e && *q == ':' ? q + 1 : NULL;
}

/*
 * RFC 5256 2.1 on a decoded subject: true if the extraction removed a
 * subj-refwd, a "(fwd)" trailer or a "[fwd: ...]" wrapper, that is if
 * the message is a reply or forward (THREAD=REFERENCES step 5).  With
 * base not NULL, the base subject is appended to it, folded.
 */
bool
subject_extract(struct sbuf *base, const char *s, size_t n)
{
	struct sbuf	 t = { 0 };
	const char	*p, *e, *q, *b;
	bool		 reply = false, changed;
	size_t		 i;

	/* (1) tabs and line breaks are spaces, runs of them one space */
	for (i = 0; i < n; i++) {
		char c = s[i] == '\t' || s[i] == '\r' || s[i] == '\n' ? ' ' :
		    s[i];

		if (c == ' ' && t.len > 0 && t.s[t.len - 1] == ' ')
			continue;
		sb_add(&t, &c, 1);
	}
	p = t.s != NULL ? t.s : "";
	e = p + t.len;
	for (;;) {
		/* (2) subj-trailer = "(fwd)" / WSP, from the end */
		for (;;) {
			if (e > p && e[-1] == ' ')
				e--;
			else if (e - p >= 5 && strncasecmp(e - 5, "(fwd)", 5) ==
			    0) {
				e -= 5;
				reply = true;
			} else
				break;
		}
		do {
			changed = false;
			/* (3) subj-leader = (*subj-blob subj-refwd) / WSP */
			for (;;) {
				if (p < e && *p == ' ') {
					p++;
					continue;
				}
				for (q = p; (b = blob_end(q, e)) != NULL; q = b)
					;
				if ((b = refwd_end(q, e)) == NULL)
					break;
				p = b;
				reply = true;
			}
			/* (4) a subj-blob, if a subj-base is left after it */
			if ((b = blob_end(p, e)) != NULL && b < e) {
				p = b;
				changed = true;
			}
		} while (changed);	/* (5) */
		/* (6) subj-fwd-hdr "[fwd:" ... subj-fwd-trl "]" */
		if (e - p >= 6 && strncasecmp(p, "[fwd:", 5) == 0 &&
		    e[-1] == ']') {
			p += 5;
			e--;
			reply = true;
			continue;
		}
		break;
	}
	if (base != NULL) {
		utf8_fold(base, p, (size_t)(e - p));
		sb_add(base, "", 0);
	}
	sb_free(&t);
	return reply;
}

/* ---- message IDs ---- */

/*
 * The next "<id>" in [*pp, end), comments and quoted strings outside the
 * brackets skipped: *id and *len get the text between the brackets.
 * False when there is none.  An id is any non-empty run without "<" or
 * ">": what the messages say is compared as they say it (RFC 5256:
 * case-sensitive), so a lenient reading threads more, never wrongly.
 */
bool
msgid_next(const char **pp, const char *end, const char **id, size_t *len)
{
	const char	*p = *pp, *q;
	int		 depth;

	while (p < end) {
		if (*p == '(') {
			for (depth = 0; p < end; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')' && --depth == 0) {
					p++;
					break;
				}
			}
		} else if (*p == '"') {
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\' && p + 1 < end)
					p++;
			if (p < end)
				p++;
		} else if (*p == '<') {
			for (q = p + 1; q < end && *q != '>' && *q != '<'; q++)
				;
			if (q < end && *q == '>' && q > p + 1) {
				*id = p + 1;
				*len = (size_t)(q - p - 1);
				*pp = q + 1;
				return true;
			}
			p = q;
		} else
			p++;
	}
	*pp = end;
	return false;
}

/* ---- a small string-keyed hash table (keys are not copied) ---- */

struct hslot {
	const char	*k;
	size_t		 len;
	uint64_t	 h;		/* compared before the key */
	int32_t		 v;
};
struct htab {
	struct hslot	*s;
	size_t		 cap;		/* a power of 2 */
	size_t		 used;
};

static uint64_t
hash(const char *k, size_t len)
{
	uint64_t	h = 1469598103934665603ULL;	/* FNV-1a */
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ULL;
	}
	return h ^ h >> 29;
}

static struct hslot *
ht_find(struct hslot *s, size_t cap, uint64_t h, const char *k, size_t len)
{
	size_t	i = (size_t)h & (cap - 1);

	while (s[i].k != NULL && (s[i].h != h || s[i].len != len ||
	    memcmp(s[i].k, k, len) != 0))
		i = (i + 1) & (cap - 1);
	return &s[i];
}

/*
 * The value slot of key k, added with value -1 if it is new.  The
 * pointer is good until the next ht_get.
 */
static int32_t *
ht_get(struct htab *t, const char *k, size_t len)
{
	struct hslot	*n, *slot;
	uint64_t	 h = hash(k, len);
	size_t		 i, cap;

	if (2 * (t->used + 1) > t->cap) {
		cap = t->cap == 0 ? 64 : 2 * t->cap;
		n = xcalloc(cap, sizeof(*n));
		for (i = 0; i < t->cap; i++)
			if (t->s[i].k != NULL)
				*ht_find(n, cap, t->s[i].h, t->s[i].k,
				    t->s[i].len) = t->s[i];
		free(t->s);
		t->s = n;
		t->cap = cap;
	}
	slot = ht_find(t->s, t->cap, h, k, len);
	if (slot->k == NULL) {
		slot->k = k;
		slot->len = len;
		slot->h = h;
		slot->v = -1;
		t->used++;
	}
	return &slot->v;
}

/* Room for about n keys without growing. */
static void
ht_init(struct htab *t, size_t n)
{
	size_t	cap = 64;

	while (cap < 2 * n && cap < ((size_t)1 << 30))
		cap *= 2;
	t->s = xcalloc(cap, sizeof(*t->s));
	t->cap = cap;
	t->used = 0;
}

static void
ht_free(struct htab *h)
{
	free(h->s);
	memset(h, 0, sizeof(*h));
}

/* ---- thread trees ---- */

static int32_t
node_new(struct thread_tree *t, int32_t msg)
{
	struct thread_node	*x;

	if (t->n == t->cap) {
		t->cap = t->cap < 64 ? 64 : 2 * t->cap;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	x = &t->v[t->n];
	x->msg = msg;
	x->parent = x->child = x->next = x->prev = -1;
	return (int32_t)t->n++;
}

static void
tree_init(struct thread_tree *t, size_t n)
{
	memset(t, 0, sizeof(*t));
	t->cap = n + 1 < 64 ? 64 : n + 1;
	t->v = xreallocarray(NULL, t->cap, sizeof(*t->v));
	(void)node_new(t, -1);		/* the root */
}

void
thread_tree_free(struct thread_tree *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* Make c (without a parent) the first child of p. */
static void
link_child(struct thread_tree *t, int32_t p, int32_t c)
{
	struct thread_node	*v = t->v;

	v[c].parent = p;
	v[c].prev = -1;
	v[c].next = v[p].child;
	if (v[p].child >= 0)
		v[v[p].child].prev = c;
	v[p].child = c;
}

static void
unlink_node(struct thread_tree *t, int32_t c)
{
	struct thread_node	*v = t->v;

	if (v[c].parent < 0)
		return;
	if (v[c].prev >= 0)
		v[v[c].prev].next = v[c].next;
	else
		v[v[c].parent].child = v[c].next;
	if (v[c].next >= 0)
		v[v[c].next].prev = v[c].prev;
	v[c].parent = v[c].prev = v[c].next = -1;
}

/*
 * Is a the same as b or one of its ancestors?  (Would making a a child of
 * b close a loop?)  A node without children is nobody's ancestor: the
 * usual case, answered without a walk up a possibly long chain.
 */
static bool
is_ancestor(const struct thread_tree *t, int32_t a, int32_t b)
{
	if (a != b && t->v[a].child < 0)
		return false;
	for (; b >= 0; b = t->v[b].parent)
		if (b == a)
			return true;
	return false;
}

/* Replace x by its children in its parent's list; x is left alone. */
static void
splice_children(struct thread_tree *t, int32_t x)
{
	struct thread_node	*v = t->v;
	int32_t			 c, last = -1, p = v[x].parent;

	if (v[x].child < 0) {
		unlink_node(t, x);
		return;
	}
	for (c = v[x].child; c >= 0; c = v[c].next) {
		v[c].parent = p;
		last = c;
	}
	v[v[x].child].prev = v[x].prev;
	if (v[x].prev >= 0)
		v[v[x].prev].next = v[x].child;
	else
		v[p].child = v[x].child;
	v[last].next = v[x].next;
	if (v[x].next >= 0)
		v[v[x].next].prev = last;
	v[x].parent = v[x].child = v[x].next = v[x].prev = -1;
}

static size_t
nchildren(const struct thread_tree *t, int32_t x)
{
	size_t	n = 0;

	for (x = t->v[x].child; x >= 0; x = t->v[x].next)
		n++;
	return n;
}

/* The message a node stands for: itself, or a dummy's first child. */
static int32_t
node_msg(const struct thread_tree *t, int32_t x)
{
	while (t->v[x].msg < 0 && t->v[x].child >= 0)
		x = t->v[x].child;
	return t->v[x].msg;
}

struct skey {
	int64_t		sent;
	int32_t		msg;
	int32_t		node;
};

/* RFC 5256: by sent date, then by order in the mailbox */
static int
cmp_skey(const void *a, const void *b)
{
	const struct skey	*x = a, *y = b;

	if (x->sent != y->sent)
		return x->sent < y->sent ? -1 : 1;
	return x->msg < y->msg ? -1 : x->msg > y->msg;
}

struct sorter {
	struct skey	*k;
	size_t		 cap;
};

/* Sort the children of p by sent date; a dummy counts as its first. */
static void
sort_children(struct thread_tree *t, const struct thread_msg *m,
    int32_t p, struct sorter *so)
{
	struct thread_node	*v = t->v;
	size_t			 n = 0, i;
	int32_t			 c, mi;

	if (v[p].child < 0 || v[v[p].child].next < 0)
		return;
	for (c = v[p].child; c >= 0; c = v[c].next) {
		if (n == so->cap) {
			so->cap = so->cap < 64 ? 64 : 2 * so->cap;
			so->k = xreallocarray(so->k, so->cap, sizeof(*so->k));
		}
		mi = node_msg(t, c);
		so->k[n].sent = mi >= 0 ? m[mi].sent : INT64_MAX;
		so->k[n].msg = mi >= 0 ? mi : INT32_MAX;
		so->k[n].node = c;
		n++;
	}
	qsort(so->k, n, sizeof(*so->k), cmp_skey);
	v[p].child = so->k[0].node;
	for (i = 0; i < n; i++) {
		c = so->k[i].node;
		v[c].prev = i > 0 ? so->k[i - 1].node : -1;
		v[c].next = i + 1 < n ? so->k[i + 1].node : -1;
	}
}

/* Every set of siblings, the root's last (its dummies use their first). */
static void
sort_all(struct thread_tree *t, const struct thread_msg *m)
{
	struct sorter	so = { NULL, 0 };
	size_t		i;

	for (i = 1; i < t->n; i++)
		sort_children(t, m, (int32_t)i, &so);
	sort_children(t, m, 0, &so);
	free(so.k);
}

/* By base subject, then sent date, then mailbox order. */
static int
cmp_os(const void *a, const void *b, void *arg)
{
	const struct thread_msg	*m = arg;
	int32_t			 x = *(const int32_t *)a;
	int32_t			 y = *(const int32_t *)b;
	int			 d = strcmp(m[x].subject, m[y].subject);

	if (d != 0)
		return d;
	if (m[x].sent != m[y].sent)
		return m[x].sent < m[y].sent ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * THREAD=ORDEREDSUBJECT (RFC 5256 3): messages grouped by base subject;
 * in a group the first by sent date is the parent of all others, which
 * are siblings; groups ordered by the date of their first message.
 */
void
thread_orderedsubject(const struct thread_msg *m, size_t n,
    struct thread_tree *t)
{
	int32_t	*ix, first = -1, x;
	size_t	 i;

	tree_init(t, n);
	if (n == 0)
		return;
	ix = xreallocarray(NULL, n, sizeof(*ix));
	for (i = 0; i < n; i++)
		ix[i] = (int32_t)i;
	qsort_r(ix, n, sizeof(*ix), cmp_os, (void *)(uintptr_t)m);
	for (i = 0; i < n; i++) {
		x = node_new(t, ix[i]);
		if (i > 0 && strcmp(m[ix[i]].subject, m[ix[i - 1]].subject) ==
		    0)
			link_child(t, first, x);
		else {
			link_child(t, 0, x);
			first = x;
		}
	}
	free(ix);
	sort_all(t, m);
}

/* The references of a message as nodes, self-references left out. */
static size_t
collect_refs(struct thread_tree *t, struct htab *ids, const struct
    thread_msg *m, int32_t self, int32_t **refs, size_t *cap)
{
	const char	*p, *end, *id;
	size_t		 n = 0, len;
	int32_t		*slot, r;
	int		 pass;

	/* References; without a valid one, the first of In-Reply-To */
	for (pass = 0; pass < 2 && n == 0; pass++) {
		p = pass == 0 ? m->refs : m->irt;
		if (p == NULL)
			continue;
		end = p + strlen(p);
		while (msgid_next(&p, end, &id, &len)) {
			slot = ht_get(ids, id, len);
			if (*slot < 0)
				*slot = node_new(t, -1);
			r = *slot;
			if (r != self) {
				if (n == *cap) {
					*cap = *cap < 16 ? 16 : 2 * *cap;
					*refs = xreallocarray(*refs, *cap,
					    sizeof(**refs));
				}
				(*refs)[n++] = r;
			}
			if (pass == 1)
				break;
		}
	}
	return n;
}

/* Thread subject of a top-level node: its message's, a dummy's first's. */
static const char *
thread_subject(const struct thread_tree *t, const struct thread_msg *m,
    int32_t x)
{
	int32_t	mi = node_msg(t, x);

	return mi >= 0 ? m[mi].subject : "";
}

struct replies {
	const struct thread_msg	*m;
	thread_reply_fn		 fn;
	void			*arg;
};

/* Is the message of node x a reply or forward? */
static bool
is_reply(const struct thread_tree *t, const struct replies *r, int32_t x)
{
	int32_t	mi = t->v[x].msg;

	return r->fn != NULL ? r->fn(r->arg, (size_t)mi) : r->m[mi].reply;
}

/* RFC 5256 3, THREAD=REFERENCES, step 5: merge threads by subject. */
static void
merge_subjects(struct thread_tree *t, const struct thread_msg *m,
    const struct replies *rp)
{
	struct htab	 subj = { 0 };
	int32_t		*roots, *slot, x, cur, tab, d, c;
	size_t		 n = nchildren(t, 0), i, j;
	const char	*s;

	if (n < 2)
		return;
	roots = xreallocarray(NULL, n, sizeof(*roots));
	for (i = 0, x = t->v[0].child; x >= 0; x = t->v[x].next)
		roots[i++] = x;
	/* (B) one thread per subject: a dummy, else a non-reply, else first */
	for (i = 0; i < n; i++) {
		s = thread_subject(t, m, roots[i]);
		if (*s == '\0')
			continue;
		slot = ht_get(&subj, s, strlen(s));
		if (*slot < 0) {
			*slot = (int32_t)i;
			continue;
		}
		cur = roots[i];
		tab = roots[*slot];
		if (t->v[tab].msg >= 0 && (t->v[cur].msg < 0 ||
		    (is_reply(t, rp, tab) && !is_reply(t, rp, cur))))
			*slot = (int32_t)i;
	}
	/* (C) merge the others into it */
	for (i = 0; i < n; i++) {
		s = thread_subject(t, m, roots[i]);
		if (*s == '\0')
			continue;
		j = (size_t)*ht_get(&subj, s, strlen(s));
		if (j == i)
			continue;
		cur = roots[i];
		tab = roots[j];
		if (t->v[cur].msg < 0 && t->v[tab].msg < 0) {
			/* both dummies: the children become siblings */
			while ((c = t->v[cur].child) >= 0) {
				unlink_node(t, c);
				link_child(t, tab, c);
			}
			unlink_node(t, cur);
		} else if (t->v[tab].msg < 0 || (t->v[cur].msg >= 0 &&
		    is_reply(t, rp, cur) && !is_reply(t, rp, tab))) {
			unlink_node(t, cur);
			link_child(t, tab, cur);
		} else {
			d = node_new(t, -1);
			unlink_node(t, cur);
			unlink_node(t, tab);
			link_child(t, d, tab);
			link_child(t, d, cur);
			link_child(t, 0, d);
			roots[j] = d;
		}
	}
	free(roots);
	ht_free(&subj);
}

/*
 * THREAD=REFERENCES (RFC 5256 3): messages m[0..n) in mailbox order into
 * t, steps 1 to 6.  Whether a message is a reply or forward is asked of
 * reply_fn (arg, message index) if it is not NULL, else read from m: it
 * matters only for top-level messages that share a subject.
 */
void
thread_references(const struct thread_msg *m, size_t n,
    struct thread_tree *t, thread_reply_fn reply_fn, void *arg)
{
	struct replies	 rp = { m, reply_fn, arg };
	struct htab	 ids = { 0 };
	struct sorter	 so = { NULL, 0 };
	int32_t		*refs = NULL, *slot, c, pnode, x, *tops;
	size_t		 nrefs, cap = 0, i, j, len, ntop;
	const char	*p, *id;

	tree_init(t, n);
	ht_init(&ids, n);
	for (i = 0; i < n; i++) {
		/* (1) the message's container: by its first valid ID */
		c = -1;
		p = m[i].msgid;
		if (p != NULL && msgid_next(&p, p + strlen(p), &id, &len)) {
			slot = ht_get(&ids, id, len);
			if (*slot < 0) {
				c = node_new(t, (int32_t)i);
				*slot = c;
			} else if (t->v[*slot].msg < 0) {
				c = *slot;
				t->v[c].msg = (int32_t)i;
			}
			/* else a duplicate ID: one of its own */
		}
		if (c < 0)
			c = node_new(t, (int32_t)i);
		nrefs = collect_refs(t, &ids, &m[i], c, &refs, &cap);
		/* (1.A) each reference the parent of the next */
		for (j = 0; j + 1 < nrefs; j++)
			if (t->v[refs[j + 1]].parent < 0 &&
			    !is_ancestor(t, refs[j + 1], refs[j]))
				link_child(t, refs[j], refs[j + 1]);
		/* (1.B) the last reference is the parent; it overrides 1.A */
		pnode = nrefs > 0 ? refs[nrefs - 1] : -1;
		if (t->v[c].parent != pnode) {
			unlink_node(t, c);
			if (pnode >= 0 && !is_ancestor(t, c, pnode))
				link_child(t, pnode, c);
		}
	}
	free(refs);
	ht_free(&ids);
	/* (2) the parentless under the root */
	for (i = 1; i < t->n; i++)
		if (t->v[i].parent < 0)
			link_child(t, 0, (int32_t)i);
	/* (3) prune dummies: below the top level their children move up */
	for (i = 1; i < t->n; i++)
		if (t->v[i].msg < 0 && t->v[i].parent > 0)
			splice_children(t, (int32_t)i);
	/* at the top level only an empty dummy or one with one child goes */
	ntop = nchildren(t, 0);
	tops = xreallocarray(NULL, ntop + 1, sizeof(*tops));
	for (i = 0, x = t->v[0].child; x >= 0; x = t->v[x].next)
		tops[i++] = x;
	for (i = 0; i < ntop; i++)
		if (t->v[tops[i]].msg < 0 && nchildren(t, tops[i]) < 2)
			splice_children(t, tops[i]);
	/* (4) sort the top level by date, dummies by their first child */
	for (i = 0; i < ntop; i++)
		if (t->v[tops[i]].msg < 0)
			sort_children(t, m, tops[i], &so);
	sort_children(t, m, 0, &so);
	free(tops);
	free(so.k);
	/* (5) gather threads with the same base subject */
	merge_subjects(t, m, &rp);
	/* (6) sort every set of siblings */
	sort_all(t, m);
}

/* ---- the THREAD response ---- */

static void
put_num(struct sbuf *out, uint32_t v)
{
	char	b[16];
	int	k = snprintf(b, sizeof(b), "%u", v);

	sb_add(out, b, (size_t)k);
}

/*
 * t as RFC 5256 thread-lists: "(2)(3 6 (4 23)(44 7 96))", each message
 * as nums[its index].  A chain is written flat, siblings as nested lists;
 * an explicit stack holds the siblings still to write.
 */
void
thread_format(const struct thread_tree *t, const uint32_t *nums,
    struct sbuf *out)
{
	int32_t		*stk = NULL, top, x, c;
	size_t		 sp = 0, cap = 0;

	for (top = t->v[0].child; top >= 0; top = t->v[top].next) {
		sb_add(out, "(", 1);
		x = top;
		for (;;) {
			c = t->v[x].child;
			if (t->v[x].msg >= 0) {
				put_num(out, nums[t->v[x].msg]);
				if (c < 0)
					goto done;
				sb_add(out, " ", 1);
				if (t->v[c].next < 0) {
					/* one child: the chain goes on */
					x = c;
					continue;
				}
			} else if (c < 0)
				goto done;
			/* thread-nested: each child a list of its own */
			if (sp == cap) {
				cap = cap < 64 ? 64 : 2 * cap;
				stk = xreallocarray(stk, cap, sizeof(*stk));
			}
			stk[sp++] = t->v[c].next;
			sb_add(out, "(", 1);
			x = c;
			continue;
done:
			/* close lists up to one with a sibling still to go */
			for (x = -1; sp > 0 && x < 0; ) {
				sb_add(out, ")", 1);
				x = stk[--sp];
			}
			if (x < 0)
				break;
			stk[sp++] = t->v[x].next;
			sb_add(out, "(", 1);
		}
		sb_add(out, ")", 1);
	}
	free(stk);
}

/* ---- commands ---- */

enum sort_key {
	SK_ARRIVAL, SK_CC, SK_DATE, SK_FROM, SK_SIZE, SK_SUBJECT, SK_TO,
	SK_DISPLAYFROM, SK_DISPLAYTO
};

static const struct {
	const char	*name;
	enum sort_key	 key;
	unsigned	 cols;
} sort_keys[] = {
	{ "ARRIVAL", SK_ARRIVAL, 0 },
	{ "CC", SK_CC, SORTCOL_CC },
	{ "DATE", SK_DATE, SORTCOL_SENT },
	{ "FROM", SK_FROM, SORTCOL_FROM },
	{ "SIZE", SK_SIZE, 0 },
	{ "SUBJECT", SK_SUBJECT, SORTCOL_SUBJECT },
	{ "TO", SK_TO, SORTCOL_TO },
	{ "DISPLAYFROM", SK_DISPLAYFROM, SORTCOL_DFROM },	/* RFC 5957 */
	{ "DISPLAYTO", SK_DISPLAYTO, SORTCOL_DTO },
};

struct criterion {
	enum sort_key	key;
	bool		reverse;
};

struct sort_ctx {
	const struct criterion	*c;
	size_t			 n;
	const struct sort_row	*rows;
};

static int
cmp64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int
sign(int d)
{
	return d < 0 ? -1 : d > 0;
}

/*
 * RFC 5256 BASE.6.4.SORT: criteria in turn, REVERSE for one criterion
 * only; full ties by mailbox order, ascending whatever the criteria.
 */
static int
cmp_rows(const void *a, const void *b, void *arg)
{
	const struct sort_ctx	*x = arg;
	uint32_t		 i = *(const uint32_t *)a;
	uint32_t		 j = *(const uint32_t *)b;
	const struct sort_row	*r = &x->rows[i], *q = &x->rows[j];
	size_t			 k;
	int			 d = 0;

	for (k = 0; k < x->n; k++) {
		switch (x->c[k].key) {
		case SK_ARRIVAL:
			d = cmp64(r->arrival, q->arrival);
			break;
		case SK_CC:
			d = sign(strcmp(r->cc, q->cc));
			break;
		case SK_DATE:
			d = cmp64(r->sent, q->sent);
			break;
		case SK_FROM:
			d = sign(strcmp(r->from, q->from));
			break;
		case SK_SIZE:
			d = cmp64(r->size, q->size);
			break;
		case SK_SUBJECT:
			d = sign(strcmp(r->subject, q->subject));
			break;
		case SK_TO:
			d = sign(strcmp(r->to, q->to));
			break;
		case SK_DISPLAYFROM:
			d = sign(strcmp(r->dfrom, q->dfrom));
			break;
		case SK_DISPLAYTO:
			d = sign(strcmp(r->dto, q->dto));
			break;
		}
		if (d != 0)
			return x->c[k].reverse ? -d : d;
	}
	return i < j ? -1 : i > j;
}

/* The number the client is given for a UID: itself or its sequence. */
static uint32_t
client_num(struct session *s, uint32_t uid)
{
	return s->uid ? uid : uidmap_seq(&s->sel.map, uid);
}

/* RETURN (MIN MAX ALL COUNT SAVE), RFC 5267 3.2; *ret gets RET_*. */
static int
parse_return(struct parser *p, unsigned *ret)
{
	struct str	w;
	bool		first = true;

	*ret = 0;
	if (parse_sp(p) == -1 || parse_list_open(p) == -1)
		return -1;
	while (parse_list_next(p)) {
		if (!first && parse_sp(p) == -1)
			return -1;
		first = false;
		if (parse_atom(p, &w) == -1)
			return -1;
		if (strcasecmp(w.s, "MIN") == 0)
			*ret |= RET_MIN;
		else if (strcasecmp(w.s, "MAX") == 0)
			*ret |= RET_MAX;
		else if (strcasecmp(w.s, "ALL") == 0)
			*ret |= RET_ALL;
		else if (strcasecmp(w.s, "COUNT") == 0)
			*ret |= RET_COUNT;
		else if (strcasecmp(w.s, "SAVE") == 0)
			*ret |= RET_SAVE;
		else
			return parse_fail(p, "unknown RETURN option");
	}
	if (parse_list_close(p) == -1 || parse_sp(p) == -1)
		return -1;
	if (*ret == 0)
		*ret = RET_ALL;		/* RETURN () */
	return 0;
}

/* sort-criteria = "(" sort-criterion *(SP sort-criterion) ")" */
static int
parse_criteria(struct parser *p, struct criterion *c, size_t *n,
    unsigned *cols)
{
	struct str	w;
	size_t		i;
	bool		rev;

	*n = 0;
	*cols = 0;
	if (parse_list_open(p) == -1)
		return -1;
	do {
		if (*n > 0 && parse_sp(p) == -1)
			return -1;
		if (*n == MAX_CRITERIA)
			return parse_fail(p, "too many sort criteria");
		if (parse_atom(p, &w) == -1)
			goto bad;
		rev = strcasecmp(w.s, "REVERSE") == 0;
		if (rev && (parse_sp(p) == -1 || parse_atom(p, &w) == -1))
			goto bad;
		for (i = 0; i < sizeof(sort_keys) / sizeof(sort_keys[0]); i++)
			if (strcasecmp(w.s, sort_keys[i].name) == 0)
				break;
		if (i == sizeof(sort_keys) / sizeof(sort_keys[0]))
			return parse_fail(p, "unknown sort criterion");
		c[*n].key = sort_keys[i].key;
		c[*n].reverse = rev;
		*cols |= sort_keys[i].cols;
		(*n)++;
	} while (parse_peek(p) == ' ');
	return parse_list_close(p);
bad:
	p->err = NULL;
	return parse_fail(p, "expected a sort criterion");
}

/*
 * search-criteria = charset 1*(SP search-key), to the end of the line:
 * the UIDs of the hits into hits.  0; -1 syntax (p->err); -2 database;
 * -3 answered (BADCHARSET).
 */
static int
run_search(struct session *s, struct parser *p, struct uidmap *hits)
{
	struct search_q	q;
	size_t		i;
	int		rc;

	memset(hits, 0, sizeof(*hits));
	if ((rc = search_parse(s, p, &q, true)) != 0)
		return rc;
	if (parse_eol(p) == -1) {
		for (i = 0; i < q.nsets; i++)
			uidmap_free(q.sets[i]);
		return -1;
	}
	return search_run(s, &q, hits) == 0 ? 0 : -2;
}

/* Write a long text through resp_add in pieces. */
static int
resp_add_text(struct session *s, const char *t, size_t n)
{
	size_t	k;

	for (; n > 0; t += k, n -= k) {
		k = n < 512 ? n : 512;
		if (resp_add(s, "%.*s", (int)k, t) == -1)
			return -1;
	}
	return 0;
}

/* "* ESEARCH (TAG ..) [UID] MIN MAX COUNT ALL" with numbers in order. */
static int
resp_esort(struct session *s, unsigned ret, const uint32_t *v, size_t n)
{
	size_t	i;

	if (resp_begin(s) == -1 || resp_add(s, "ESEARCH (TAG \"%s\")%s",
	    s->tag, s->uid ? " UID" : "") == -1)
		return -1;
	if ((ret & RET_MIN) && n > 0 && resp_add(s, " MIN %u", v[0]) == -1)
		return -1;
	if ((ret & RET_MAX) && n > 0 && resp_add(s, " MAX %u", v[n - 1]) ==
	    -1)
		return -1;
	if ((ret & RET_COUNT) && resp_add(s, " COUNT %zu", n) == -1)
		return -1;
	if ((ret & RET_ALL) && n > 0) {
		/* in sort order, so no ranges (RFC 5267 3.2) */
		for (i = 0; i < n; i++)
			if (resp_add(s, "%s%u", i == 0 ? " ALL " : ",", v[i]) ==
			    -1)
				return -1;
	}
	return resp_end(s);
}

/* RFC 5182 with RFC 5267: SAVE keeps the set, or just MIN/MAX. */
static void
save_result(struct session *s, unsigned ret, const struct sort_rows *rows,
    const uint32_t *perm)
{
	struct uidmap	*sv = &s->sel.saved;
	uint32_t	 a, b, t;
	size_t		 i;

	sv->n = sv->count = 0;
	if (rows->n == 0)
		return;
	if ((ret & (RET_MIN | RET_MAX)) && !(ret & (RET_ALL | RET_COUNT))) {
		a = rows->v[perm[0]].uid;
		b = rows->v[perm[rows->n - 1]].uid;
		if (!(ret & RET_MIN))
			a = b;
		if (!(ret & RET_MAX))
			b = a;
		if (a > b) {
			t = a;
			a = b;
			b = t;
		}
		uidmap_append(sv, a, a);
		if (b != a)
			uidmap_append(sv, b, b);
		return;
	}
	for (i = 0; i < rows->n; i++)
		uidmap_append(sv, rows->v[i].uid, rows->v[i].uid);
}

/*
 * SORT [RETURN (opts)] (criteria) charset search-keys (RFC 5256,
 * RFC 5267): "* SORT n..." or, with RETURN, "* ESEARCH".
 */
int
cmd_sort(struct session *s, struct parser *p)
{
	struct criterion c[MAX_CRITERIA];
	struct sort_ctx	 sc;
	struct sort_rows rows;
	struct uidmap	 hits;
	struct str	 w;
	const unsigned char *save;
	uint32_t	*perm, *nums;
	unsigned	 cols, ret = 0;
	size_t		 nc, i;
	bool		 esort = false;
	int		 rc;

	if (parse_sp(p) == -1)
		return cmd_syntax(s, p);
	save = p->p;
	if (parse_atom(p, &w) == 0 && strcasecmp(w.s, "RETURN") == 0) {
		esort = true;
		if (parse_return(p, &ret) == -1)
			return cmd_syntax(s, p);
	} else {
		p->p = save;
		p->err = NULL;
	}
	if (parse_criteria(p, c, &nc, &cols) == -1 || parse_sp(p) == -1)
		return cmd_syntax(s, p);
	rc = run_search(s, p, &hits);
	if (rc == -3)
		return 0;
	if (rc == -1)
		return cmd_syntax(s, p);
	if (rc == 0) {
		rc = store_sort_rows(s->db, s->sel.id, &hits, cols, &rows);
		if (rc != DB_OK)
			sort_rows_free(&rows);
	}
	uidmap_free(&hits);
	if (rc != 0) {
		/* RFC 5182 2.1: a NO empties "$" */
		if (ret & RET_SAVE)
			s->sel.saved.n = s->sel.saved.count = 0;
		return resp_serverbug(s, "SORT failed");
	}
	perm = xreallocarray(NULL, rows.n + 1, sizeof(*perm));
	nums = xreallocarray(NULL, rows.n + 1, sizeof(*nums));
	for (i = 0; i < rows.n; i++)
		perm[i] = (uint32_t)i;
	sc.c = c;
	sc.n = nc;
	sc.rows = rows.v;
	qsort_r(perm, rows.n, sizeof(*perm), cmp_rows, &sc);
	for (i = 0; i < rows.n; i++)
		nums[i] = client_num(s, rows.v[perm[i]].uid);
	if (ret & RET_SAVE)
		save_result(s, ret, &rows, perm);
	rc = 0;
	if (!esort) {
		rc = resp_begin(s) == -1 || resp_add(s, "SORT") == -1 ? -1 : 0;
		for (i = 0; rc == 0 && i < rows.n; i++)
			rc = resp_add(s, " %u", nums[i]);
		if (rc == 0)
			rc = resp_end(s);
	} else if (ret != RET_SAVE)
		rc = resp_esort(s, ret, nums, rows.n);
	free(perm);
	free(nums);
	sort_rows_free(&rows);
	if (rc == -1)
		return -1;
	return resp_ok(s, "%sSORT completed", s->uid ? "UID " : "");
}

/* Reply or forward, asked by thread_references: subjects read once. */
struct reply_ctx {
	struct sort_subjects	 ss;
	const struct sort_rows	*rows;
	signed char		*known;		/* -1 not read yet */
	struct sbuf		 buf;
	int			 rc;		/* the first DB error */
};

static bool
row_is_reply(void *arg, size_t i)
{
	struct reply_ctx	*r = arg;
	int			 rc;

	if (r->known[i] < 0) {
		rc = r->rc != DB_OK ? r->rc : store_sort_subject(&r->ss,
		    r->rows->v[i].uid, &r->buf);
		if (rc != DB_OK && rc != DB_NOTFOUND)
			r->rc = rc;
		r->known[i] = rc == DB_OK && subject_extract(NULL, r->buf.s,
		    r->buf.len);
	}
	return r->known[i] > 0;
}

/*
 * THREAD algorithm charset search-keys (RFC 5256): "* THREAD (..)(..)".
 */
int
cmd_thread(struct session *s, struct parser *p)
{
	struct thread_tree t;
	struct thread_msg *m;
	struct sort_rows rows;
	struct reply_ctx rc_reply;
	struct uidmap	 hits;
	struct sbuf	 out = { 0 };
	struct str	 alg;
	uint32_t	*nums;
	bool		 refs;
	size_t		 i;
	int		 rc;

	if (parse_sp(p) == -1 || parse_atom(p, &alg) == -1)
		return cmd_syntax(s, p);
	if (strcasecmp(alg.s, "REFERENCES") == 0)
		refs = true;
	else if (strcasecmp(alg.s, "ORDEREDSUBJECT") == 0)
		refs = false;
	else {
		parse_fail(p, "unknown threading algorithm");
		return cmd_syntax(s, p);
	}
	if (parse_sp(p) == -1)
		return cmd_syntax(s, p);
	rc = run_search(s, p, &hits);
	if (rc == -3)
		return 0;
	if (rc == -1)
		return cmd_syntax(s, p);
	if (rc == -2) {
		uidmap_free(&hits);
		return resp_serverbug(s, "THREAD: search failed");
	}
	rc = store_sort_rows(s->db, s->sel.id, &hits, SORTCOL_SENT |
	    SORTCOL_SUBJECT | (refs ? SORTCOL_IDS : 0), &rows);
	uidmap_free(&hits);
	if (rc != DB_OK) {
		sort_rows_free(&rows);
		return resp_serverbug(s, "THREAD: reading keys failed");
	}
	m = xcalloc(rows.n + 1, sizeof(*m));
	nums = xreallocarray(NULL, rows.n + 1, sizeof(*nums));
	for (i = 0; i < rows.n; i++) {
		m[i].sent = rows.v[i].sent;
		m[i].subject = rows.v[i].subject;
		m[i].msgid = rows.v[i].msgid;
		m[i].irt = rows.v[i].irt;
		m[i].refs = rows.v[i].refs;
		nums[i] = client_num(s, rows.v[i].uid);
	}
	memset(&rc_reply, 0, sizeof(rc_reply));
	if (refs) {
		rc_reply.rows = &rows;
		rc_reply.known = xreallocarray(NULL, rows.n + 1, 1);
		memset(rc_reply.known, -1, rows.n + 1);
		rc_reply.rc = store_sort_subjects_open(s->db, s->sel.id,
		    &rc_reply.ss);
		thread_references(m, rows.n, &t, row_is_reply, &rc_reply);
		store_sort_subjects_close(&rc_reply.ss);
		free(rc_reply.known);
		sb_free(&rc_reply.buf);
	} else
		thread_orderedsubject(m, rows.n, &t);
	if (rc_reply.rc == DB_OK)
		thread_format(&t, nums, &out);
	thread_tree_free(&t);
	free(m);
	free(nums);
	sort_rows_free(&rows);
	if (rc_reply.rc != DB_OK)
		return resp_serverbug(s, "THREAD: reading subjects failed");
	rc = resp_begin(s) == -1 || resp_add(s, "THREAD%s", out.len > 0 ?
	    " " : "") == -1 || resp_add_text(s, out.s ? out.s : "", out.len) ==
	    -1 || resp_end(s) == -1 ? -1 : 0;
	sb_free(&out);
	if (rc == -1)
		return -1;
	return resp_ok(s, "%sTHREAD completed", s->uid ? "UID " : "");
}
