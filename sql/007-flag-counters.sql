-- Schema version 7: the unseen and deleted counters of a mailbox follow
-- flag changes in store_flags() (store_msg.c), from the number of rows
-- each UPDATE changed, no longer in a trigger that updated the mailbox
-- row once per message (half the cost of a STORE on many messages).
-- Appends and expunges still count through messages_ins/messages_del.
DROP TRIGGER messages_flags;

PRAGMA user_version = 7;
