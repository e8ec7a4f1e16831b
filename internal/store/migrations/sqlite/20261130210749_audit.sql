-- Create "audit_events" table
CREATE TABLE `audit_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `time` datetime NOT NULL, `type` text NOT NULL, `actor_id` integer NULL, `subject_id` integer NULL, `ip` text NOT NULL DEFAULT (''), `user_agent` text NOT NULL DEFAULT (''), `request_id` text NOT NULL DEFAULT (''), `detail` json NULL);
-- Create index "auditevent_time" to table: "audit_events"
CREATE INDEX `auditevent_time` ON `audit_events` (`time`);
-- Create index "auditevent_subject_id_time" to table: "audit_events"
CREATE INDEX `auditevent_subject_id_time` ON `audit_events` (`subject_id`, `time`);
-- Create index "auditevent_actor_id_time" to table: "audit_events"
CREATE INDEX `auditevent_actor_id_time` ON `audit_events` (`actor_id`, `time`);
-- Create index "auditevent_type_time" to table: "audit_events"
CREATE INDEX `auditevent_type_time` ON `audit_events` (`type`, `time`);
-- Create index "auditevent_ip_time" to table: "audit_events"
CREATE INDEX `auditevent_ip_time` ON `audit_events` (`ip`, `time`);
