-- Create "identities" table
CREATE TABLE `identities` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `provider` text NOT NULL, `subject` text NOT NULL, `email` text NOT NULL DEFAULT (''), `created` datetime NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `identities_users_identities` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE);
-- Create index "identity_provider_subject" to table: "identities"
CREATE UNIQUE INDEX `identity_provider_subject` ON `identities` (`provider`, `subject`);
-- Create index "identity_user_id" to table: "identities"
CREATE INDEX `identity_user_id` ON `identities` (`user_id`);
-- Create "social_states" table
CREATE TABLE `social_states` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `key` text NOT NULL, `expires_at` datetime NOT NULL);
-- Create index "social_states_key_key" to table: "social_states"
CREATE UNIQUE INDEX `social_states_key_key` ON `social_states` (`key`);
-- Create index "socialstate_expires_at" to table: "social_states"
CREATE INDEX `socialstate_expires_at` ON `social_states` (`expires_at`);
