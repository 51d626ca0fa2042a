-- Schema version 8: how the full-text index merges its segments.
--
-- FTS5 keeps the index as segments: each transaction that adds messages
-- writes one, and "automerge" merges a level's segments into one of the
-- next level, a little at each commit, once that many have gathered;
-- "crisismerge" merges a whole level at once, inside one commit, when
-- it holds that many.
--
-- automerge 16 (FTS5's default: 4): every indexed byte is rewritten
-- once per level, and with 16 there are half as many levels.  6,000
-- messages in MULTIAPPENDs of 100 onto 5,000: 5.5 s with 4, 4.9 with 8,
-- 3.8 with 16; SEARCH of a rare or a common trigram at 11,000 messages
-- the same (1.4/1.5 ms, 0.47/0.46 ms).
--
-- crisismerge 64 (default 16): a crisis merge rewrote a whole level of
-- the index in the commit of one APPEND, 1.25 s with the write lock
-- held, every other writer waiting.  With 64 the incremental merges
-- keep up and it does not happen: the slowest of 2,000 single APPENDs
-- onto 11,000 messages 38 ms, was 1,249 ms (p50 1.2 ms both).
INSERT INTO search_text (search_text, rank) VALUES ('automerge', 16);
INSERT INTO search_addr (search_addr, rank) VALUES ('automerge', 16);
INSERT INTO search_text (search_text, rank) VALUES ('crisismerge', 64);
INSERT INTO search_addr (search_addr, rank) VALUES ('crisismerge', 64);

PRAGMA user_version = 8;
