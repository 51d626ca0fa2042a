/*
 * uidmap.c: the UIDs of a mailbox as sorted ranges with cumulative
 * counts.  A mailbox that is mostly appended to is a handful of ranges
 * however many messages it holds, so a session maps sequence numbers to
 * UIDs (and back) in O(log ranges) without a row per message.  The same
 * ranges, as little-endian uint32 pairs, are the mailboxes.uidmap blob.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"

void
uidmap_free(struct uidmap *m)
{
	free(m->r);
	free(m->cum);
	memset(m, 0, sizeof(*m));
}

static void
reserve(struct uidmap *m, size_t n)
{
	size_t	cap;

	if (n <= m->cap)
		return;
	cap = m->cap < 8 ? 8 : m->cap;
	while (cap < n)
		cap *= 2;
	m->r = xreallocarray(m->r, cap, sizeof(*m->r));
	m->cum = xreallocarray(m->cum, cap, sizeof(*m->cum));
	m->cap = cap;
}

/* Recount from range i on; cum[i] = messages before range i. */
static void
recount(struct uidmap *m, size_t i)
{
	uint32_t	c = i == 0 ? 0 : m->cum[i - 1] + (m->r[i - 1].hi -
	    m->r[i - 1].lo + 1);

	for (; i < m->n; i++) {
		m->cum[i] = c;
		c += m->r[i].hi - m->r[i].lo + 1;
	}
	m->count = c;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/*
 * Load from the blob form.  -1 if it is malformed (unsorted, overlapping
 * or empty ranges, or a length that is not a multiple of 8).
 */
int
uidmap_load(struct uidmap *m, const void *blob, size_t len)
{
	const unsigned char	*p = blob;
	size_t			 i, n = len / 8;

	m->n = 0;
	m->count = 0;
	if (len % 8 != 0)
		return -1;
	reserve(m, n);
	for (i = 0; i < n; i++) {
		m->r[i].lo = get32(p + 8 * i);
		m->r[i].hi = get32(p + 8 * i + 4);
		if (m->r[i].lo == 0 || m->r[i].lo > m->r[i].hi ||
		    (i > 0 && (uint64_t)m->r[i].lo <= (uint64_t)
		    m->r[i - 1].hi + 1))
			return -1;
	}
	m->n = n;
	recount(m, 0);
	return 0;
}

/* The blob form, malloc'ed; *len_r its length. */
void *
uidmap_blob(const struct uidmap *m, size_t *len_r)
{
	unsigned char	*b = xmalloc(m->n * 8 + 1);
	size_t		 i;

	for (i = 0; i < m->n; i++) {
		put32(b + 8 * i, m->r[i].lo);
		put32(b + 8 * i + 4, m->r[i].hi);
	}
	*len_r = m->n * 8;
	return b;
}

void
uidmap_copy(struct uidmap *dst, const struct uidmap *src)
{
	reserve(dst, src->n);
	if (src->n > 0) {
		memcpy(dst->r, src->r, src->n * sizeof(*src->r));
		memcpy(dst->cum, src->cum, src->n * sizeof(*src->cum));
	}
	dst->n = src->n;
	dst->count = src->count;
}

/* The highest UID, or 0 when empty. */
uint32_t
uidmap_last(const struct uidmap *m)
{
	return m->n == 0 ? 0 : m->r[m->n - 1].hi;
}

/* The UID of sequence number seq (1-based), or 0 if out of range. */
uint32_t
uidmap_uid(const struct uidmap *m, uint32_t seq)
{
	size_t	lo = 0, hi = m->n, mid;

	if (seq == 0 || seq > m->count)
		return 0;
	while (hi - lo > 1) {
		mid = (lo + hi) / 2;
		if (m->cum[mid] < seq)
			lo = mid;
		else
			hi = mid;
	}
	return m->r[lo].lo + (seq - m->cum[lo] - 1);
}

/* Index of the range holding uid or the first one after it. */
static size_t
find(const struct uidmap *m, uint32_t uid)
{
	size_t	lo = 0, hi = m->n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (m->r[mid].hi < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The sequence number of uid, or 0 if it is not in the map. */
uint32_t
uidmap_seq(const struct uidmap *m, uint32_t uid)
{
	size_t	i = find(m, uid);

	if (i == m->n || uid < m->r[i].lo)
		return 0;
	return m->cum[i] + (uid - m->r[i].lo) + 1;
}

/*
 * The sequence number of the first UID >= uid (count + 1 if none): for
 * turning a UID range into a sequence range.
 */
uint32_t
uidmap_seq_ceil(const struct uidmap *m, uint32_t uid)
{
	size_t	i = find(m, uid);

	if (i == m->n)
		return m->count + 1;
	if (uid < m->r[i].lo)
		return m->cum[i] + 1;
	return m->cum[i] + (uid - m->r[i].lo) + 1;
}

/* Add UIDs lo..hi, all above the current last UID. */
void
uidmap_append(struct uidmap *m, uint32_t lo, uint32_t hi)
{
	if (m->n > 0 && m->r[m->n - 1].hi + 1 == lo) {
		m->r[m->n - 1].hi = hi;
		m->count += hi - lo + 1;
		return;
	}
	reserve(m, m->n + 1);
	m->r[m->n].lo = lo;
	m->r[m->n].hi = hi;
	m->cum[m->n] = m->count;
	m->n++;
	m->count += hi - lo + 1;
}

/* Remove uid if present; true if it was. */
bool
uidmap_remove(struct uidmap *m, uint32_t uid)
{
	size_t	i = find(m, uid);

	if (i == m->n || uid < m->r[i].lo)
		return false;
	if (m->r[i].lo == m->r[i].hi) {
		memmove(m->r + i, m->r + i + 1, (m->n - i - 1) *
		    sizeof(*m->r));
		m->n--;
	} else if (uid == m->r[i].lo)
		m->r[i].lo++;
	else if (uid == m->r[i].hi)
		m->r[i].hi--;
	else {
		reserve(m, m->n + 1);
		memmove(m->r + i + 2, m->r + i + 1, (m->n - i - 1) *
		    sizeof(*m->r));
		m->r[i + 1].lo = uid + 1;
		m->r[i + 1].hi = m->r[i].hi;
		m->r[i].hi = uid - 1;
		m->n++;
	}
	recount(m, i);
	return true;
}

/*
 * out = a minus b (both sorted ranges), in O(ranges): the UIDs a client
 * knows that the mailbox no longer has, or the reverse.
 */
void
uidmap_diff(const struct uidmap *a, const struct uidmap *b,
    struct uidmap *out)
{
	size_t		i, j = 0;
	uint32_t	lo, hi;

	out->n = out->count = 0;
	for (i = 0; i < a->n; i++) {
		lo = a->r[i].lo;
		hi = a->r[i].hi;
		while (j < b->n && b->r[j].hi < lo)
			j++;
		while (lo <= hi) {
			if (j == b->n || b->r[j].lo > hi) {
				uidmap_append(out, lo, hi);
				break;
			}
			if (b->r[j].lo > lo)
				uidmap_append(out, lo, b->r[j].lo - 1);
			if (b->r[j].hi >= hi)
				break;
			lo = b->r[j].hi + 1;
			j++;
		}
	}
}

/* out = the UIDs of m that are >= from. */
void
uidmap_tail(const struct uidmap *m, uint32_t from, struct uidmap *out)
{
	size_t	i = find(m, from);

	out->n = out->count = 0;
	for (; i < m->n; i++)
		uidmap_append(out, m->r[i].lo < from ? from : m->r[i].lo,
		    m->r[i].hi);
}

/* Add lo..hi to out, which ends at or before lo's neighbours. */
static void
add_merge(struct uidmap *out, uint32_t lo, uint32_t hi)
{
	struct seqrange	*last;

	if (out->n > 0) {
		last = &out->r[out->n - 1];
		if ((uint64_t)lo <= (uint64_t)last->hi + 1) {
			if (hi > last->hi) {
				out->count += hi - last->hi;
				last->hi = hi;
			}
			return;
		}
	}
	uidmap_append(out, lo, hi);
}

/* out = a with b (both sorted ranges), in O(ranges). */
void
uidmap_union(const struct uidmap *a, const struct uidmap *b,
    struct uidmap *out)
{
	size_t	i = 0, j = 0;

	out->n = out->count = 0;
	while (i < a->n || j < b->n) {
		if (j == b->n || (i < a->n && a->r[i].lo <= b->r[j].lo)) {
			add_merge(out, a->r[i].lo, a->r[i].hi);
			i++;
		} else {
			add_merge(out, b->r[j].lo, b->r[j].hi);
			j++;
		}
	}
}

/*
 * Join neighbouring ranges, the closest first, until there are at most
 * max (>= 1): a superset of the UIDs in fewer ranges.
 */
void
uidmap_coarsen(struct uidmap *m, size_t max)
{
	uint64_t	gap = 1;
	size_t		i, k;

	if (max == 0)
		max = 1;
	while (m->n > max) {
		for (i = 1, k = 0; i < m->n; i++) {
			if ((uint64_t)m->r[i].lo - m->r[k].hi <= gap)
				m->r[k].hi = m->r[i].hi;
			else
				m->r[++k] = m->r[i];
		}
		m->n = k + 1;
		gap *= 2;
	}
	recount(m, 0);
}
