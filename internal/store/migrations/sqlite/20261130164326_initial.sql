-- Create "meta" table
CREATE TABLE `meta` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `key` text NOT NULL, `value` blob NOT NULL);
-- Create index "meta_key_key" to table: "meta"
CREATE UNIQUE INDEX `meta_key_key` ON `meta` (`key`);
-- Create "outbox_messages" table
CREATE TABLE `outbox_messages` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `kind` text NOT NULL, `user_id` integer NULL, `recipient` text NOT NULL DEFAULT (''), `domain` text NOT NULL DEFAULT (''), `protocol` text NOT NULL DEFAULT (''), `site_name` text NOT NULL DEFAULT (''), `status` text NOT NULL DEFAULT ('pending'), `attempts` integer NOT NULL DEFAULT (0), `next_attempt_at` datetime NOT NULL, `last_error` text NOT NULL DEFAULT (''), `created_at` datetime NOT NULL, `sent_at` datetime NULL);
-- Create index "outboxmessage_status_next_attempt_at" to table: "outbox_messages"
CREATE INDEX `outboxmessage_status_next_attempt_at` ON `outbox_messages` (`status`, `next_attempt_at`);
-- Create "refresh_tokens" table
CREATE TABLE `refresh_tokens` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `jti` text NOT NULL, `family` text NOT NULL, `created_at` datetime NOT NULL, `expires_at` datetime NOT NULL, `rotated_at` datetime NULL, `revoked_at` datetime NULL, `user_id` integer NOT NULL, CONSTRAINT `refresh_tokens_users_refresh_tokens` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE);
-- Create index "refresh_tokens_jti_key" to table: "refresh_tokens"
CREATE UNIQUE INDEX `refresh_tokens_jti_key` ON `refresh_tokens` (`jti`);
-- Create index "refreshtoken_user_id" to table: "refresh_tokens"
CREATE INDEX `refreshtoken_user_id` ON `refresh_tokens` (`user_id`);
-- Create index "refreshtoken_family" to table: "refresh_tokens"
CREATE INDEX `refreshtoken_family` ON `refresh_tokens` (`family`);
-- Create "roles" table
CREATE TABLE `roles` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` text NOT NULL);
-- Create index "roles_name_key" to table: "roles"
CREATE UNIQUE INDEX `roles_name_key` ON `roles` (`name`);
-- Create "tokens" table
CREATE TABLE `tokens` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `digest` blob NOT NULL, `created` datetime NOT NULL, `last_used` datetime NULL, `expires_at` datetime NULL, `label` text NOT NULL DEFAULT (''), `user_id` integer NOT NULL, CONSTRAINT `tokens_users_tokens` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE);
-- Create index "tokens_digest_key" to table: "tokens"
CREATE UNIQUE INDEX `tokens_digest_key` ON `tokens` (`digest`);
-- Create index "token_user_id" to table: "tokens"
CREATE INDEX `token_user_id` ON `tokens` (`user_id`);
-- Create "users" table
CREATE TABLE `users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `username` text NOT NULL, `email` text NOT NULL DEFAULT (''), `password` text NOT NULL, `is_active` bool NOT NULL DEFAULT (true), `date_joined` datetime NOT NULL, `last_login` datetime NULL, `link_version` integer NOT NULL DEFAULT (0), `pending_email` text NOT NULL DEFAULT (''));
-- Create index "users_username_key" to table: "users"
CREATE UNIQUE INDEX `users_username_key` ON `users` (`username`);
-- Create "user_roles" table
CREATE TABLE `user_roles` (`user_id` integer NOT NULL, `role_id` integer NOT NULL, PRIMARY KEY (`user_id`, `role_id`), CONSTRAINT `user_roles_user_id` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE, CONSTRAINT `user_roles_role_id` FOREIGN KEY (`role_id`) REFERENCES `roles` (`id`) ON DELETE CASCADE);
