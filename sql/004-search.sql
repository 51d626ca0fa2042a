-- Schema version 4: search and sort.
--
-- search_text holds each content's decoded text (RFC 2047 headers,
-- base64/quoted-printable bodies converted to UTF-8, HTML as text) under
-- an FTS5 trigram index: case-insensitive substring search, as IMAP
-- SEARCH requires, without reading messages.  Its rowid is contents.id.
-- The columns added to contents are the sort and thread keys (RFC 5256,
-- RFC 5957), computed once at delivery.
-- hdr: the message's own header (SEARCH HEADER); headers: those of
-- every part too (SEARCH TEXT covers MIME headers).
CREATE VIRTUAL TABLE search_text USING fts5(
	subject, from_, to_, cc, bcc, hdr, headers, body,
	tokenize = 'trigram'
);

ALTER TABLE contents ADD COLUMN sentdate INTEGER;	-- Date: as unix time
ALTER TABLE contents ADD COLUMN senttz INTEGER;		-- minutes east
ALTER TABLE contents ADD COLUMN sort_subject TEXT;	-- base subject
ALTER TABLE contents ADD COLUMN sort_from TEXT;
ALTER TABLE contents ADD COLUMN sort_to TEXT;
ALTER TABLE contents ADD COLUMN sort_cc TEXT;
ALTER TABLE contents ADD COLUMN display_from TEXT;
ALTER TABLE contents ADD COLUMN display_to TEXT;
ALTER TABLE contents ADD COLUMN message_id TEXT;
ALTER TABLE contents ADD COLUMN in_reply_to TEXT;
ALTER TABLE contents ADD COLUMN refs TEXT;

CREATE TRIGGER contents_del AFTER DELETE ON contents BEGIN
	DELETE FROM search_text WHERE rowid = OLD.id;
END;

PRAGMA user_version = 4;
