-- Add column "deactivated_at" to table: "users"
ALTER TABLE `users` ADD COLUMN `deactivated_at` datetime NULL;
