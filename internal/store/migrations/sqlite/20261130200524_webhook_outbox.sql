-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_outbox_messages" table
CREATE TABLE `new_outbox_messages` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `kind` text NOT NULL, `user_id` integer NULL, `recipient` text NOT NULL DEFAULT (''), `domain` text NOT NULL DEFAULT (''), `protocol` text NOT NULL DEFAULT (''), `site_name` text NOT NULL DEFAULT (''), `status` text NOT NULL DEFAULT ('pending'), `attempts` integer NOT NULL DEFAULT (0), `next_attempt_at` datetime NOT NULL, `last_error` text NOT NULL DEFAULT (''), `created_at` datetime NOT NULL, `sent_at` datetime NULL, `endpoint` text NOT NULL DEFAULT (''), `event_id` text NOT NULL DEFAULT (''), `payload` text NOT NULL DEFAULT (''));
-- Copy rows from old table "outbox_messages" to new temporary table "new_outbox_messages"
INSERT INTO `new_outbox_messages` (`id`, `kind`, `user_id`, `recipient`, `domain`, `protocol`, `site_name`, `status`, `attempts`, `next_attempt_at`, `last_error`, `created_at`, `sent_at`) SELECT `id`, `kind`, `user_id`, `recipient`, `domain`, `protocol`, `site_name`, `status`, `attempts`, `next_attempt_at`, `last_error`, `created_at`, `sent_at` FROM `outbox_messages`;
-- Drop "outbox_messages" table after copying rows
DROP TABLE `outbox_messages`;
-- Rename temporary table "new_outbox_messages" to "outbox_messages"
ALTER TABLE `new_outbox_messages` RENAME TO `outbox_messages`;
-- Create index "outboxmessage_status_next_attempt_at" to table: "outbox_messages"
CREATE INDEX `outboxmessage_status_next_attempt_at` ON `outbox_messages` (`status`, `next_attempt_at`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
