-- Schema version 9: a log of which messages each transaction changed,
-- in place of the index messages_modseq.
--
-- "Which messages changed after MODSEQ n" (every session's check for
-- other sessions' changes, SELECT ... QRESYNC) used the index (mailbox,
-- MODSEQ); a STORE on 10,000 messages moved 10,000 of its entries, half
-- of what the STORE cost.  Now each transaction that gives messages a
-- new MODSEQ (APPEND, COPY, MOVE, STORE, delivery, import) writes one
-- row: its MODSEQ and the UIDs it touched, as ranges in the form of
-- mailboxes.uidmap.  The question is answered from the rows above n:
-- the messages of those UIDs whose MODSEQ is above n.  A row may name
-- more UIDs than changed (a STORE names the UIDs asked for), never
-- fewer: every message with MODSEQ m is named by a row whose MODSEQ is
-- m or more.  store_msg.c folds old rows into one now and then
-- (changes_add()), so a mailbox has a few dozen rows.
--
-- A database from before starts with one row per mailbox naming all its
-- messages at its HIGHESTMODSEQ: true, and the rows after it are exact.
CREATE TABLE changes (
	mailbox_id	INTEGER NOT NULL REFERENCES mailboxes(id)
			    ON DELETE CASCADE,
	modseq		INTEGER NOT NULL,
	uids		BLOB NOT NULL,		-- ranges, as mailboxes.uidmap
	PRIMARY KEY (mailbox_id, modseq)
) STRICT, WITHOUT ROWID;
INSERT INTO changes (mailbox_id, modseq, uids)
	SELECT id, highestmodseq, uidmap FROM mailboxes WHERE uidmap != x'';
DROP INDEX messages_modseq;

PRAGMA user_version = 9;
