-- Schema version 2: mailboxes, subscriptions and messages.
--
-- Message content is immutable and stored once (contents, content_data);
-- a mailbox holds
-- references to it (messages), so COPY is a row insert.  Each mailbox row
-- keeps the counters STATUS needs (kept by triggers) and uidmap, the UIDs
-- present as little-endian uint32 (low, high) ranges, from which a session
-- builds its sequence map without reading one row per message.

CREATE TABLE meta (
	key		TEXT PRIMARY KEY,
	value		ANY
) STRICT, WITHOUT ROWID;
INSERT INTO meta VALUES ('last_uidvalidity', 0);

CREATE TABLE mailboxes (
	id		INTEGER PRIMARY KEY,
	user_id		INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name		TEXT NOT NULL,		-- UTF-8, '/' separated
	uidvalidity	INTEGER NOT NULL,
	uidnext		INTEGER NOT NULL DEFAULT 1,
	highestmodseq	INTEGER NOT NULL DEFAULT 1,
	special_use	TEXT,			-- '\Sent', ...
	noselect	INTEGER NOT NULL DEFAULT 0, -- kept for its children
	recent_uid	INTEGER NOT NULL DEFAULT 0, -- highest UID given \Recent
	messages	INTEGER NOT NULL DEFAULT 0,
	unseen		INTEGER NOT NULL DEFAULT 0,
	deleted		INTEGER NOT NULL DEFAULT 0,
	size		INTEGER NOT NULL DEFAULT 0,
	uidmap		BLOB NOT NULL DEFAULT x'',
	vanished_modseq	INTEGER NOT NULL DEFAULT 0, -- tombstones trimmed up to
	UNIQUE (user_id, name)
) STRICT;

CREATE TABLE subscriptions (
	user_id		INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name		TEXT NOT NULL,
	PRIMARY KEY (user_id, name)
) STRICT, WITHOUT ROWID;

-- The bytes of a message live apart from what is known of them, so that
-- reading an envelope or a sort key never walks a large blob's pages.
CREATE TABLE contents (
	id		INTEGER PRIMARY KEY,
	size		INTEGER NOT NULL
) STRICT;

CREATE TABLE content_data (
	id		INTEGER PRIMARY KEY REFERENCES contents(id)
			    ON DELETE CASCADE,
	data		BLOB NOT NULL
) STRICT;

-- flags: \Seen 1, \Answered 2, \Flagged 4, \Deleted 8, \Draft 16
CREATE TABLE messages (
	mailbox_id	INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
	uid		INTEGER NOT NULL,
	content_id	INTEGER NOT NULL REFERENCES contents(id),
	size		INTEGER NOT NULL,
	flags		INTEGER NOT NULL DEFAULT 0,
	keywords	TEXT NOT NULL DEFAULT '',	-- ' kw1 kw2 ' or ''
	modseq		INTEGER NOT NULL,
	internaldate	INTEGER NOT NULL,	-- unix time
	internaltz	INTEGER NOT NULL DEFAULT 0,	-- minutes east of UTC
	savedate	INTEGER NOT NULL,
	PRIMARY KEY (mailbox_id, uid)
) STRICT, WITHOUT ROWID;
CREATE INDEX messages_content ON messages (content_id);
CREATE INDEX messages_unseen ON messages (mailbox_id, uid) WHERE flags & 1 = 0;
CREATE INDEX messages_modseq ON messages (mailbox_id, modseq);

-- keywords ever used in a mailbox, for the FLAGS response
CREATE TABLE mailbox_keywords (
	mailbox_id	INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
	keyword		TEXT NOT NULL,
	PRIMARY KEY (mailbox_id, keyword)
) STRICT, WITHOUT ROWID;

-- expunged UIDs with the MODSEQ of their expunge (QRESYNC)
CREATE TABLE expunged (
	mailbox_id	INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
	uid		INTEGER NOT NULL,
	modseq		INTEGER NOT NULL,
	at		INTEGER NOT NULL DEFAULT (unixepoch()),
	PRIMARY KEY (mailbox_id, uid)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER messages_ins AFTER INSERT ON messages BEGIN
	UPDATE mailboxes SET messages = messages + 1,
	    size = size + NEW.size,
	    unseen = unseen + (NEW.flags & 1 = 0),
	    deleted = deleted + (NEW.flags & 8 != 0)
	    WHERE id = NEW.mailbox_id;
END;

CREATE TRIGGER messages_del AFTER DELETE ON messages BEGIN
	UPDATE mailboxes SET messages = messages - 1,
	    size = size - OLD.size,
	    unseen = unseen - (OLD.flags & 1 = 0),
	    deleted = deleted - (OLD.flags & 8 != 0)
	    WHERE id = OLD.mailbox_id;
	DELETE FROM contents WHERE id = OLD.content_id AND NOT EXISTS
	    (SELECT 1 FROM messages WHERE content_id = OLD.content_id);
END;

CREATE TRIGGER messages_flags AFTER UPDATE OF flags ON messages
    WHEN (OLD.flags & 9) != (NEW.flags & 9) BEGIN
	UPDATE mailboxes SET
	    unseen = unseen + (NEW.flags & 1 = 0) - (OLD.flags & 1 = 0),
	    deleted = deleted + (NEW.flags & 8 != 0) - (OLD.flags & 8 != 0)
	    WHERE id = NEW.mailbox_id;
END;

PRAGMA user_version = 2;
