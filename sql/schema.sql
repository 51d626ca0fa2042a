-- liteimapd database schema, version 1: users.
-- Applied by `liteimapctl init` inside one transaction; later versions are
-- the files sql/NNN-*.sql, applied in order.  user_version is the version,
-- application_id marks the file as ours ('LIMA').
PRAGMA application_id = 1279872321;

CREATE TABLE users (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	password	TEXT NOT NULL,	-- crypt(3) hash, yescrypt by default
	created		INTEGER NOT NULL DEFAULT (unixepoch()),
	disabled	INTEGER NOT NULL DEFAULT 0
) STRICT;

PRAGMA user_version = 1;
