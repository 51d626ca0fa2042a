-- Schema version 8: how the full-text index merges its segments.
--
-- FTS5 keeps the index as segments: each transaction that adds messages
-- writes one, "automerge" (4, kept) merges a level's segments into one
-- of the next level a little at each commit once that many have
-- gathered, and "crisismerge" merges a whole level at once, inside one
-- commit, when it holds that many (default 16).
--
-- crisismerge 64: a crisis merge rewrote a whole level of the index in
-- the commit of one APPEND, 1.25 s with the write lock held and every
-- other writer waiting.  With 64 the incremental merges keep up and it
-- does not happen: the slowest of 2,000 single APPENDs onto 11,000
-- messages 45 ms, was 1,289 ms (p50 1.2 ms both).
--
-- (automerge 16 was measured too: MULTIAPPEND onto a filled mailbox
-- 30 % faster, but at 100,000 messages the index then had so many
-- segments that SEARCH TEXT of a rare word took 48 ms instead of 2.)
INSERT INTO search_text (search_text, rank) VALUES ('crisismerge', 64);
INSERT INTO search_addr (search_addr, rank) VALUES ('crisismerge', 64);

PRAGMA user_version = 8;
