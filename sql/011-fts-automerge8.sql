-- Schema version 11: FTS5 automerge 8 (was 4, sql/008).
--
-- Each transaction that adds messages writes a segment to both
-- full-text indexes, and "automerge" merges a level's segments into one
-- of the next level once that many have gathered: with 8 a message's
-- terms are rewritten fewer times on their way up.  At 100,000 messages
-- (bench/run, fourth session): APPEND 267 -> 304-320 msgs/s, MULTIAPPEND
-- 918 -> 1,039-1,074, import 969 -> 1,090-1,125, 10 clients mixed 3,275
-- -> 3,555 ops/s; SEARCH TEXT of a rare word 2.15-3.21 ms after the
-- import (2.30 with 4) and 0.5 ms against 0.5 after 20,000 more APPENDs
-- and their deletion; of a common word 76 against 80 ms.  The segments
-- already there merge as new ones arrive.
INSERT INTO search_text (search_text, rank) VALUES ('automerge', 8);
INSERT INTO search_addr (search_addr, rank) VALUES ('automerge', 8);

PRAGMA user_version = 11;
