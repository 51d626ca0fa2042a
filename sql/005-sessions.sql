-- Schema version 5: live sessions, kept by each liteimapd process (a row
-- from login to exit), for connection limits and "liteimapctl who/kick".
-- What a session is doing (its mailbox, IDLE) is in its process title.
-- A process that died without cleaning up is recognised by its pid and
-- start time and removed by the next one that looks.
CREATE TABLE sessions (
	pid		INTEGER PRIMARY KEY,
	started		INTEGER NOT NULL,	-- /proc/PID/stat start time
	user_id		INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	addr		TEXT NOT NULL,		-- client address without port
	since		INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

PRAGMA user_version = 5;
