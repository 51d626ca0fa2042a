/*
 * test_util.c: util.c (base64, timingsafe_bcmp, valid_username) and the
 * SASL PLAIN splitter of auth.c.  Inputs are copied into exact-size
 * buffers so ASan catches a read past their end.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"
#include "unit.h"

#define B(s)	(s), (sizeof(s) - 1)

static void *
dup_exact(const void *p, size_t n)
{
	void	*d = malloc(n > 0 ? n : 1);

	if (d == NULL)
		abort();
	memcpy(d, p, n);
	return d;
}

/* ------------------------------------------------------------------ */
/* base64 */

static const struct {
	const char	*plain;
	const char	*enc;
} b64_vectors[] = {
	/* RFC 4648 10 */
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
	/* SASL PLAIN as clients send it: "\0alice\0secret" */
	{ "A", "QQ==" },
	{ "\xff\xfe\xfd", "//79" },
	{ "\xfb\xff", "+/8=" },
};

static void
test_base64_vectors(void)
{
	unsigned char	 out[64];
	char		 enc[64], *in;
	size_t		 i, n, pl, el;

	for (i = 0; i < sizeof(b64_vectors) / sizeof(b64_vectors[0]); i++) {
		pl = strlen(b64_vectors[i].plain);
		el = strlen(b64_vectors[i].enc);
		CASE("base64/decode/%s", el ? b64_vectors[i].enc : "empty") {
			in = dup_exact(b64_vectors[i].enc, el);
			memset(out, 0xaa, sizeof(out));
			n = base64_decode(in, el, out, sizeof(out));
			if (CHECK(n == pl, "length %zu, want %zu", n, pl))
				CHECK(memcmp(out, b64_vectors[i].plain, pl) ==
				    0, "decoded \"%s\"", unit_esc(out, n));
			CHECK(out[pl] == 0xaa, "wrote past the output");
			free(in);
		}
		CASE("base64/encode/%s", el ? b64_vectors[i].enc : "empty") {
			in = dup_exact(b64_vectors[i].plain, pl);
			n = base64_encode((unsigned char *)in, pl, enc,
			    sizeof(enc));
			if (CHECK(n == el, "length %zu, want %zu", n, el))
				CHECK(strcmp(enc, b64_vectors[i].enc) == 0,
				    "encoded \"%s\"", enc);
			free(in);
		}
	}

	CASE("base64/decode/sasl-plain") {
		const char *e = "AGFsaWNlAHNlY3JldA==";

		in = dup_exact(e, strlen(e));
		n = base64_decode(in, strlen(e), out, sizeof(out));
		CHECK(n == 13 && memcmp(out, "\0alice\0secret", 13) == 0,
		    "decoded %zu \"%s\"", n, unit_esc(out, n == SIZE_MAX ? 0 :
		    n));
		free(in);
	}
}

static const struct {
	const char	*name;
	const char	*in;
	size_t		 len;
} b64_bad[] = {
	{ "len-1", B("Z") },
	{ "len-3", B("Zm9") },
	{ "len-5", B("Zm9vY") },
	{ "len-5-pad", B("Zm9v=") },
	{ "bad-char-dash", B("Zm-v") },
	{ "bad-char-underscore", B("Zm_v") },
	{ "bad-char-dot", B("Zm9.") },
	{ "bad-char-space", B("Zm 9v") },
	{ "space-inside", B("Zm9 ") },
	{ "newline", B("Zm9v\nZm9v") },
	{ "crlf-at-end", B("Zm9vYg==\r\n") },
	{ "nul", B("Zm\0v") },
	{ "8bit", B("Zm\xc3\xa9") },
	{ "pad-first", B("=m9v") },
	{ "pad-second", B("Z=9v") },
	{ "three-pads", B("Z===") },
	{ "four-pads", B("====") },
	{ "pad-then-char", B("Zg=a") },
	{ "pad-in-middle", B("Zg==Zm9v") },
	{ "one-pad-in-middle", B("Zm8=Zm9v") },
	{ "pad-bits-QR", B("QR==") },
	{ "pad-bits-Zh", B("Zh==") },
	{ "pad-bits-Zm9", B("Zm9=") },
	{ "pad-bits-Zm-one", B("Zm+=") },
	{ "missing-pad", B("Zg") },
};

static void
test_base64_bad(void)
{
	unsigned char	 out[64];
	char		*in;
	size_t		 i, n;

	for (i = 0; i < sizeof(b64_bad) / sizeof(b64_bad[0]); i++)
		CASE("base64/reject/%s", b64_bad[i].name) {
			in = dup_exact(b64_bad[i].in, b64_bad[i].len);
			n = base64_decode(in, b64_bad[i].len, out, sizeof(out));
			CHECK(n == SIZE_MAX, "accepted \"%s\" as %zu bytes",
			    unit_esc(b64_bad[i].in, b64_bad[i].len), n);
			free(in);
		}
}

static void
test_base64_limits(void)
{
	unsigned char	 plain[64], *out, back[64];
	char		 enc[128], *small;
	size_t		 len, n, m, i;
	bool		 ok;

	/* the output buffer must hold the decoded bytes, exactly */
	static const struct {
		const char	*enc;
		size_t		 need;
	} sizes[] = {
		{ "Zg==", 1 }, { "Zm8=", 2 }, { "Zm9v", 3 }, { "Zm9vYg==", 4 },
		{ "Zm9vYmE=", 5 }, { "Zm9vYmFy", 6 },
	};
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		CASE("base64/outlen/%s-exact", sizes[i].enc) {
			out = malloc(sizes[i].need);
			n = base64_decode(sizes[i].enc, strlen(sizes[i].enc),
			    out, sizes[i].need);
			CHECK(n == sizes[i].need, "%zu", n);
			free(out);
		}
		CASE("base64/outlen/%s-one-short", sizes[i].enc) {
			out = malloc(sizes[i].need);
			n = base64_decode(sizes[i].enc, strlen(sizes[i].enc),
			    out, sizes[i].need - 1);
			CHECK(n == SIZE_MAX, "accepted with %zu bytes of room: "
			    "%zu", sizes[i].need - 1, n);
			free(out);
		}
	}

	CASE("base64/encode-outlen") {
		/* 3 bytes need 4 + NUL */
		small = malloc(5);
		n = base64_encode((const unsigned char *)"abc", 3, small, 5);
		CHECK(n == 4 && strcmp(small, "YWJj") == 0, "%zu", n);
		n = base64_encode((const unsigned char *)"abc", 3, small, 4);
		CHECK(n == SIZE_MAX, "encoded into 4 bytes: %zu", n);
		n = base64_encode((const unsigned char *)"", 0, small, 1);
		CHECK(n == 0 && small[0] == '\0', "empty: %zu", n);
		n = base64_encode((const unsigned char *)"", 0, small, 0);
		CHECK(n == SIZE_MAX, "empty into nothing: %zu", n);
		free(small);
	}

	/* every length 0..64, every byte value: encode, decode, compare */
	CASE("base64/round-trip") {
		ok = true;
		for (len = 0; len <= sizeof(plain) && ok; len++) {
			for (i = 0; i < len; i++)
				plain[i] = (unsigned char)(len * 37 + i * 101 +
				    (i & 1 ? 0x80 : 0));
			n = base64_encode(plain, len, enc, sizeof(enc));
			if (!CHECK(n == 4 * ((len + 2) / 3), "len %zu: "
			    "encoded %zu", len, n)) {
				ok = false;
				break;
			}
			small = dup_exact(enc, n);
			m = base64_decode(small, n, back, len);
			free(small);
			ok = CHECK(m == len && memcmp(back, plain, len) == 0,
			    "len %zu: decoded %zu", len, m);
		}
	}
}

/* ------------------------------------------------------------------ */

static void
test_timingsafe(void)
{
	static const struct {
		const char	*name;
		const char	*a;
		const char	*b;
		size_t		 n;
		bool		 same;
	} rows[] = {
		{ "equal", "secret", "secret", 6, true },
		{ "empty", "", "x", 0, true },
		{ "first-differs", "secret", "Secret", 6, false },
		{ "last-differs", "secret", "secreT", 6, false },
		{ "high-bit", "\x80", "\x00", 1, false },
		{ "one-bit", "\x01", "\x00", 1, false },
		{ "prefix-only", "secretA", "secretB", 6, true },
		{ "nul-inside", "a\0b", "a\0c", 3, false },
	};
	size_t	i;
	int	r;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CASE("timingsafe_bcmp/%s", rows[i].name) {
			r = timingsafe_bcmp(rows[i].a, rows[i].b, rows[i].n);
			CHECK((r == 0) == rows[i].same, "returned %d", r);
		}
}

/* ------------------------------------------------------------------ */

static void
test_username(void)
{
	static const struct {
		const char	*name;
		bool		 ok;
	} rows[] = {
		{ "alice", true },
		{ "a", true },
		{ "A1", true },
		{ "0", true },
		{ "a.b", true },
		{ "a..", true },
		{ "a-b", true },
		{ "a_b", true },
		{ "_a", true },
		{ "a@example.org", true },
		{ "a+tag", true },
		{ "+a", true },
		{ "@a", true },
		{ "", false },
		{ ".a", false },
		{ "..", false },
		{ "-a", false },
		{ "a b", false },
		{ " a", false },
		{ "a/b", false },
		{ "../etc", false },
		{ "a:b", false },
		{ "a\tb", false },
		{ "a\nb", false },
		{ "a%b", false },
		{ "a*", false },
		{ "a\"", false },
		{ "a\\b", false },
		{ "\xc3\xa9", false },
		{ "al\xc3\xa9", false },
		{ "a\x7f", false },
	};
	char	buf[80];
	size_t	i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CASE("valid_username/%s", rows[i].name[0] ? rows[i].name :
		    "empty")
			CHECK(valid_username(rows[i].name) == rows[i].ok,
			    "\"%s\": %d", ESC(rows[i].name), !rows[i].ok);

	CASE("valid_username/64-chars") {
		memset(buf, 'u', 64);
		buf[64] = '\0';
		CHECK(valid_username(buf), "64 characters refused");
	}
	CASE("valid_username/65-chars") {
		memset(buf, 'u', 65);
		buf[65] = '\0';
		CHECK(!valid_username(buf), "65 characters accepted");
	}
}

/* ------------------------------------------------------------------ */
/* RFC 4616: [authzid] NUL authcid NUL passwd */

static const struct {
	const char	*name;
	const char	*msg;
	size_t		 len;
	int		 rc;
	const char	*authz;
	const char	*authc;
	const char	*pass;
} plain_rows[] = {
	{ "all-three", B("admin\0alice\0secret"), 0, "admin", "alice",
	    "secret" },
	{ "empty-authzid", B("\0alice\0secret"), 0, "", "alice", "secret" },
	{ "empty-password", B("\0alice\0"), 0, "", "alice", "" },
	{ "password-with-spaces", B("\0alice\0se cr et"), 0, "", "alice",
	    "se cr et" },
	{ "8bit-password", B("\0alice\0p\xc3\xa4ss"), 0, "", "alice",
	    "p\xc3\xa4ss" },
	{ "empty-authcid", B("\0\0secret"), -1, NULL, NULL, NULL },
	{ "authz-but-empty-authcid", B("alice\0\0secret"), -1, NULL, NULL,
	    NULL },
	{ "one-nul", B("alice\0secret"), -1, NULL, NULL, NULL },
	{ "no-nul", B("alicesecret"), -1, NULL, NULL, NULL },
	{ "extra-nul", B("\0alice\0sec\0ret"), -1, NULL, NULL, NULL },
	{ "trailing-nul", B("\0alice\0secret\0"), -1, NULL, NULL, NULL },
	{ "three-nuls", B("\0\0\0"), -1, NULL, NULL, NULL },
	{ "nul-only", B("\0"), -1, NULL, NULL, NULL },
	{ "two-nuls-only", B("\0\0"), -1, NULL, NULL, NULL },
	{ "empty", "", 0, -1, NULL, NULL, NULL },
	{ "nul-last", B("alice\0"), -1, NULL, NULL, NULL },
};

static void
test_sasl_plain(void)
{
	const char	*authz, *authc, *pass;
	unsigned char	*m;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(plain_rows) / sizeof(plain_rows[0]); i++)
		CASE("sasl_plain/%s", plain_rows[i].name) {
			/* room for the terminating NUL the contract asks */
			m = malloc(plain_rows[i].len + 1);
			memcpy(m, plain_rows[i].msg, plain_rows[i].len);
			authz = authc = pass = NULL;
			rc = auth_sasl_plain(m, plain_rows[i].len, &authz,
			    &authc, &pass);
			if (plain_rows[i].rc == -1)
				CHECK(rc == -1, "accepted \"%s\"", unit_esc(
				    plain_rows[i].msg, plain_rows[i].len));
			else if (CHECK(rc == 0, "refused")) {
				CHECK(authz != NULL && strcmp(authz,
				    plain_rows[i].authz) == 0, "authz \"%s\"",
				    authz ? authz : "(null)");
				CHECK(authc != NULL && strcmp(authc,
				    plain_rows[i].authc) == 0, "authc \"%s\"",
				    authc ? authc : "(null)");
				CHECK(pass != NULL && strcmp(pass,
				    plain_rows[i].pass) == 0, "pass \"%s\"",
				    pass ? ESC(pass) : "(null)");
			}
			free(m);
		}
}

int
main(void)
{
	test_base64_vectors();
	test_base64_bad();
	test_base64_limits();
	test_timingsafe();
	test_username();
	test_sasl_plain();
	return unit_done();
}
