-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_users" table
CREATE TABLE `new_users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `username` text NOT NULL, `email` text NOT NULL DEFAULT (''), `email_key` text NULL, `password` text NOT NULL, `is_active` bool NOT NULL DEFAULT (true), `date_joined` datetime NOT NULL, `last_login` datetime NULL, `link_version` integer NOT NULL DEFAULT (0), `pending_email` text NOT NULL DEFAULT (''));
-- Copy rows from old table "users" to new temporary table "new_users"
INSERT INTO `new_users` (`id`, `username`, `email`, `password`, `is_active`, `date_joined`, `last_login`, `link_version`, `pending_email`) SELECT `id`, `username`, `email`, `password`, `is_active`, `date_joined`, `last_login`, `link_version`, `pending_email` FROM `users`;
-- Drop "users" table after copying rows
DROP TABLE `users`;
-- Rename temporary table "new_users" to "users"
ALTER TABLE `new_users` RENAME TO `users`;
-- Create index "users_email_key_key" to table: "users"
CREATE UNIQUE INDEX `users_email_key_key` ON `users` (`email_key`);
-- Create index "user_username" to table: "users"
CREATE UNIQUE INDEX `user_username` ON `users` (`username`) WHERE username <> '';
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
