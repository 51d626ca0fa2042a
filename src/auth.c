/*
 * auth.c: passwords.  Hashes are crypt(3) yescrypt strings; checking a
 * name that does not exist costs the same as a wrong password, because
 * the guess is hashed with the settings of a real hash all the same.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"

/* Hash password with a fresh salt at yescrypt cost; 0 or -1. */
int
auth_hash(const char *password, int cost, char *out, size_t outlen)
{
	struct crypt_data	*cd;
	char			 setting[CRYPT_GENSALT_OUTPUT_SIZE];
	const char		*h;
	int			 rc = -1;

	if (crypt_gensalt_rn("$y$", (unsigned long)cost, NULL, 0, setting,
	    sizeof(setting)) == NULL)
		return -1;
	cd = xcalloc(1, sizeof(*cd));
	h = crypt_r(password, setting, cd);
	if (h != NULL && h[0] != '*' && strlcpy(out, h, outlen) < outlen)
		rc = 0;
	freezero(cd, sizeof(*cd));
	return rc;
}

/* The part of a crypt(3) string that chooses algorithm and cost. */
static size_t
setting_params_len(const char *h)
{
	const char	*p;

	/* "$y$j9T$salt$hash": params end at the third '$' */
	if (h[0] != '$' || (p = strchr(h + 1, '$')) == NULL ||
	    (p = strchr(p + 1, '$')) == NULL)
		return 0;
	return (size_t)(p - h);
}

/*
 * Check user's password.  AUTH_OK with *uid_r, AUTH_FAIL (unknown user,
 * wrong password, disabled account: all the same to the caller and in
 * time), or AUTH_ERROR.
 */
int
auth_check(struct db *db, const char *user, const char *pass, int cost,
    int64_t *uid_r)
{
	struct store_user	 u;
	struct crypt_data	*cd;
	char			 setting[HASH_MAX_LEN];
	const char		*h;
	bool			 known;
	int			 rc;

	memset(&u, 0, sizeof(u));
	rc = valid_username(user) ? store_user_get(db, user, &u) :
	    DB_NOTFOUND;
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return AUTH_ERROR;
	known = rc == DB_OK && u.hash[0] == '$';
	if (known)
		(void)strlcpy(setting, u.hash, sizeof(setting));
	else {
		/*
		 * The same work as for a real user: another user's hash
		 * (same algorithm, same cost), or a fresh yescrypt setting
		 * when there are no users at all.
		 */
		rc = store_user_some_hash(db, setting, sizeof(setting));
		if (rc != DB_OK && rc != DB_NOTFOUND)
			return AUTH_ERROR;
		if (rc == DB_NOTFOUND && crypt_gensalt_rn("$y$",
		    (unsigned long)cost, NULL, 0, setting, sizeof(setting)) ==
		    NULL)
			return AUTH_ERROR;
	}
	log_debug("password check for a %s user with setting %.*s",
	    known ? "known" : "unknown", (int)setting_params_len(setting),
	    setting);
	cd = xcalloc(1, sizeof(*cd));
	h = crypt_r(pass, setting, cd);
	rc = AUTH_FAIL;
	if (known && h != NULL && h[0] != '*' && strlen(h) ==
	    strlen(u.hash) && timingsafe_bcmp(h, u.hash, strlen(h)) == 0) {
		*uid_r = u.id;
		rc = AUTH_OK;
	}
	freezero(cd, sizeof(*cd));
	explicit_bzero(&u, sizeof(u));
	return rc;
}

/*
 * RFC 4616: message = [authzid] NUL authcid NUL passwd.  Splits msg (which
 * must have room for a terminating NUL at msg[len]) in place.
 */
int
auth_sasl_plain(const unsigned char *msg, size_t len, const char **authz,
    const char **authc, const char **pass)
{
	unsigned char	*m = (unsigned char *)(uintptr_t)msg;
	unsigned char	*a, *b;

	m[len] = '\0';
	if ((a = memchr(m, '\0', len)) == NULL ||
	    (b = memchr(a + 1, '\0', len - (size_t)(a - m) - 1)) == NULL)
		return -1;
	if (memchr(b + 1, '\0', len - (size_t)(b - m) - 1) != NULL)
		return -1;
	*authz = (const char *)m;
	*authc = (const char *)a + 1;
	*pass = (const char *)b + 1;
	if ((*authc)[0] == '\0')
		return -1;
	return 0;
}
