/*
 * fuzz_mutf7.c: modified UTF-7 mailbox names (mutf7.c).
 *
 * Input: any bytes.  Checks:
 *  1. decode: when mutf7_decode accepts the bytes, the result is valid
 *     UTF-8 (no NUL), and encoding it gives back exactly the input: the
 *     decoder is strict, so a name has one spelling only;
 *  2. round trip: when the input is valid UTF-8 (utf8_valid: no NUL),
 *     mutf7_encode gives printable US-ASCII that decodes back to it;
 *  3. the same round trip for a string built from the input as code
 *     points (3 bytes each, modulo 0x110000, surrogates and NUL skipped),
 *     so that every plane is reached, not only what mutation finds.
 * Every call reads a buffer of exactly the input's size.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* my own UTF-8 encoder: cp is a scalar value */
static size_t
put(uint32_t cp, unsigned char *d)
{
	if (cp < 0x80) {
		d[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (unsigned char)(0xc0 | cp >> 6);
		d[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (unsigned char)(0xe0 | cp >> 12);
		d[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		d[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (unsigned char)(0xf0 | cp >> 18);
	d[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	d[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	d[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

static void
round_trip(struct arena *a, const unsigned char *in, size_t n,
    const char *what)
{
	unsigned char	*b = fz_dup_exact(in, n), *e2;
	char		*enc, *dec;
	size_t		 i, elen;

	enc = mutf7_encode(a, (const char *)b, n);
	FZ_CHECK(enc != NULL, "%s: mutf7_encode refused valid UTF-8 [%s]",
	    what, fz_esc(in, n));
	elen = strlen(enc);
	for (i = 0; i < elen; i++)
		FZ_CHECK(enc[i] >= 0x20 && enc[i] <= 0x7e, "%s: encoded "
		    "[%s] has 0x%02x", what, fz_esc(enc, elen),
		    (unsigned char)enc[i]);
	e2 = fz_dup_exact(enc, elen);
	dec = mutf7_decode(a, (const char *)e2, elen);
	FZ_CHECK(dec != NULL, "%s: [%s] encodes to [%s], which does not "
	    "decode", what, fz_esc(in, n), fz_esc(enc, elen));
	FZ_CHECK(strlen(dec) == n && memcmp(dec, in, n) == 0, "%s: [%s] -> "
	    "[%s] -> [%s]", what, fz_esc(in, n), fz_esc(enc, elen),
	    fz_esc(dec, strlen(dec)));
	free(e2);
	free(b);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init_process();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena	 a = { 0 };
	unsigned char	*in = fz_dup_exact(data, size), *u, *e2;
	char		*dec, *enc;
	size_t		 i, n, dlen;
	uint32_t	 cp;

	/* 1. decode, and the one spelling */
	dec = mutf7_decode(&a, (const char *)in, size);
	if (dec != NULL) {
		dlen = strlen(dec);
		FZ_CHECK(utf8_valid(dec, dlen), "decoded [%s] to invalid UTF-8 "
		    "[%s]", fz_esc(in, size), fz_esc(dec, dlen));
		e2 = fz_dup_exact(dec, dlen);
		enc = mutf7_encode(&a, (const char *)e2, dlen);
		FZ_CHECK(enc != NULL && strlen(enc) == size &&
		    memcmp(enc, in, size) == 0, "[%s] decodes to [%s], which "
		    "encodes to [%s]: two spellings of one name",
		    fz_esc(in, size), fz_esc(dec, dlen), enc ? fz_esc(enc,
		    strlen(enc)) : "NULL");
		free(e2);
	}

	/* 2. valid UTF-8 round trip */
	if (utf8_valid(in, size))
		round_trip(&a, in, size, "utf8");

	/* 3. code points from the bytes */
	u = malloc(size / 3 * 4 + 1);
	if (u == NULL)
		abort();
	for (i = 0, n = 0; i + 3 <= size; i += 3) {
		cp = ((uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2]) % 0x110000;
		if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
			continue;
		n += put(cp, u + n);
	}
	FZ_CHECK(utf8_valid(u, n), "my encoder");
	round_trip(&a, u, n, "code points");
	free(u);

	arena_free(&a);
	free(in);
	return 0;
}
