-- Create "throttles" table
CREATE TABLE `throttles` (`key` text NOT NULL, `tat` integer NOT NULL, `streak` integer NOT NULL DEFAULT (0), `denied` integer NOT NULL DEFAULT (0), `expires` integer NOT NULL, PRIMARY KEY (`key`));
-- Create index "throttle_expires" to table: "throttles"
CREATE INDEX `throttle_expires` ON `throttles` (`expires`);
