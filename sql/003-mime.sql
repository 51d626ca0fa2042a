-- Schema version 3: what FETCH needs, computed once when a message
-- arrives (mime.c): the ENVELOPE, BODY and BODYSTRUCTURE strings ready to
-- send, the header length and the entity table (offsets of every part).
ALTER TABLE contents ADD COLUMN header_len INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contents ADD COLUMN envelope TEXT;
ALTER TABLE contents ADD COLUMN bodystructure TEXT;
ALTER TABLE contents ADD COLUMN body TEXT;
ALTER TABLE contents ADD COLUMN parts BLOB;

PRAGMA user_version = 3;
