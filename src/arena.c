/*
 * arena.c: a bump allocator for everything one command needs.  Parsed
 * arguments live here; arena_reset() after the tagged reply frees them
 * all at once, so handlers never free piecemeal.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"

#define CHUNK_MIN	8192
#define ALIGN		16

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 size;
	size_t			 used;
	unsigned char		 data[];
};

/* Memory for n bytes, aligned for any type, valid until arena_reset(). */
void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk	*c = a->head;
	size_t			 sz;

	n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (n == 0)
		n = ALIGN;
	if (c == NULL || c->size - c->used < n) {
		sz = n > CHUNK_MIN ? n : CHUNK_MIN;
		if (sz > SIZE_MAX - sizeof(*c))
			fatalx(EXIT_SOFTWARE, "arena: allocation too large");
		c = xmalloc(sizeof(*c) + sz);
		c->size = sz;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	c->used += n;
	a->used += n;
	return c->data + c->used - n;
}

/* A NUL-terminated copy of n bytes (which may themselves contain NUL). */
char *
arena_strndup(struct arena *a, const void *s, size_t n)
{
	char	*d;

	if (n == SIZE_MAX)
		fatalx(EXIT_SOFTWARE, "arena: string too large");
	d = arena_alloc(a, n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*d;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx(EXIT_SOFTWARE, "arena_printf: bad format");
	d = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	(void)vsnprintf(d, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return d;
}

/*
 * Forget everything; keep the newest chunk if it is of the ordinary size
 * so a steady stream of small commands never calls malloc.
 */
void
arena_reset(struct arena *a)
{
	struct arena_chunk	*c, *next;

	if (a->head == NULL)
		return;
	for (c = a->head->next; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head->next = NULL;
	if (a->head->size > CHUNK_MIN) {
		free(a->head);
		a->head = NULL;
	} else
		a->head->used = 0;
	a->used = 0;
}

void
arena_free(struct arena *a)
{
	arena_reset(a);
	free(a->head);
	a->head = NULL;
}
