-- Rewrite times stored as Go's time.Time.String() ("2026-11-30 15:39:40.66 +0100 CET m=+3.71", what the
-- driver wrote before gojoser set _time_format) as UTC in SQLite's format ("2026-11-30 14:39:40.66+00:00"),
-- which is what gojoser writes now: SQLite's date functions and other tools read it, and it sorts as text.
--
-- For a value v in the old form, with s = instr(substr(v, 12), ' ') locating the space after the time:
--   substr(v, 1, 19)                   the local date and time to the second: 2026-11-30 15:39:40
--   substr(v, s + 12, 3) and
--   substr(v, s + 15, 2)               the offset's hours and minutes: +01, 00
--   datetime(<local>+01:00)            that instant in UTC: 2026-11-30 14:39:40
--   substr(v, 20, s - 9)               the fraction as Go wrote it (trailing zeros trimmed): .66
-- The zone name and the monotonic clock reading ("CET m=+3.71") are dropped. Values already in the new
-- form do not match the GLOB and are left alone.
UPDATE `users` SET `date_joined` = datetime(substr(date_joined, 1, 19) || substr(date_joined, instr(substr(date_joined, 12), ' ') + 12, 3) || ':' || substr(date_joined, instr(substr(date_joined, 12), ' ') + 15, 2))
    || substr(date_joined, 20, instr(substr(date_joined, 12), ' ') - 9) || '+00:00'
  WHERE date_joined GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]* [+-][0-9][0-9][0-9][0-9] *';

UPDATE `users` SET `last_login` = datetime(substr(last_login, 1, 19) || substr(last_login, instr(substr(last_login, 12), ' ') + 12, 3) || ':' || substr(last_login, instr(substr(last_login, 12), ' ') + 15, 2))
    || substr(last_login, 20, instr(substr(last_login, 12), ' ') - 9) || '+00:00'
  WHERE last_login GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]* [+-][0-9][0-9][0-9][0-9] *';

UPDATE `tokens` SET `created` = datetime(substr(created, 1, 19) || substr(created, instr(substr(created, 12), ' ') + 12, 3) || ':' || substr(created, instr(substr(created, 12), ' ') + 15, 2))
    || substr(created, 20, instr(substr(created, 12), ' ') - 9) || '+00:00'
  WHERE created GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]* [+-][0-9][0-9][0-9][0-9] *';

UPDATE `tokens` SET `last_used` = datetime(substr(last_used, 1, 19) || substr(last_used, instr(substr(last_used, 12), ' ') + 12, 3) || ':' || substr(last_used, instr(substr(last_used, 12), ' ') + 15, 2))
    || substr(last_used, 20, instr(substr(last_used, 12), ' ') - 9) || '+00:00'
  WHERE last_used GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]* [+-][0-9][0-9][0-9][0-9] *';

UPDATE `tokens` SET `expires_at` = datetime(substr(expires_at, 1, 19) || substr(expires_at, instr(substr(expires_at, 12), ' ') + 12, 3) || ':' || substr(expires_at, instr(substr(expires_at, 12), ' ') + 15, 2))
    || substr(expires_at, 20, instr(substr(expires_at, 12), ' ') - 9) || '+00:00'
  WHERE expires_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]* [+-][0-9][0-9][0-9][0-9] *';

UPDATE `refresh_tokens` SET `created_at` = datetime(substr(created_at, 1, 19) || substr(created_at, instr(substr(created_at, 12), ' ') + 12, 3) || ':' || substr(created_at, instr(substr(created_at, 12), ' ') + 15, 2))
    || substr(created_at, 20, instr(substr(created_at, 12), ' ') - 9) || '+00:00'
  WHERE created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]* [+-][0-9][0-9][0-9][0-9] *';

UPDATE `refresh_tokens` SET `expires_at` = datetime(substr(expires_at, 1, 19) || substr(expires_at, instr(substr(expires_at, 12), ' ') + 12, 3) || ':' || substr(expires_at, instr(substr(expires_at, 12), ' ') + 15, 2))
    || substr(expires_at, 20, instr(substr(expires_at, 12), ' ') - 9) || '+00:00'
  WHERE expires_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]* [+-][0-9][0-9][0-9][0-9] *';

UPDATE `refresh_tokens` SET `rotated_at` = datetime(substr(rotated_at, 1, 19) || substr(rotated_at, instr(substr(rotated_at, 12), ' ') + 12, 3) || ':' || substr(rotated_at, instr(substr(rotated_at, 12), ' ') + 15, 2))
    || substr(rotated_at, 20, instr(substr(rotated_at, 12), ' ') - 9) || '+00:00'
  WHERE rotated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]* [+-][0-9][0-9][0-9][0-9] *';

UPDATE `refresh_tokens` SET `revoked_at` = datetime(substr(revoked_at, 1, 19) || substr(revoked_at, instr(substr(revoked_at, 12), ' ') + 12, 3) || ':' || substr(revoked_at, instr(substr(revoked_at, 12), ' ') + 15, 2))
    || substr(revoked_at, 20, instr(substr(revoked_at, 12), ' ') - 9) || '+00:00'
  WHERE revoked_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]* [+-][0-9][0-9][0-9][0-9] *';

UPDATE `outbox_messages` SET `next_attempt_at` = datetime(substr(next_attempt_at, 1, 19) || substr(next_attempt_at, instr(substr(next_attempt_at, 12), ' ') + 12, 3) || ':' || substr(next_attempt_at, instr(substr(next_attempt_at, 12), ' ') + 15, 2))
    || substr(next_attempt_at, 20, instr(substr(next_attempt_at, 12), ' ') - 9) || '+00:00'
  WHERE next_attempt_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]* [+-][0-9][0-9][0-9][0-9] *';

UPDATE `outbox_messages` SET `created_at` = datetime(substr(created_at, 1, 19) || substr(created_at, instr(substr(created_at, 12), ' ') + 12, 3) || ':' || substr(created_at, instr(substr(created_at, 12), ' ') + 15, 2))
    || substr(created_at, 20, instr(substr(created_at, 12), ' ') - 9) || '+00:00'
  WHERE created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]* [+-][0-9][0-9][0-9][0-9] *';

UPDATE `outbox_messages` SET `sent_at` = datetime(substr(sent_at, 1, 19) || substr(sent_at, instr(substr(sent_at, 12), ' ') + 12, 3) || ':' || substr(sent_at, instr(substr(sent_at, 12), ' ') + 15, 2))
    || substr(sent_at, 20, instr(substr(sent_at, 12), ' ') - 9) || '+00:00'
  WHERE sent_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]* [+-][0-9][0-9][0-9][0-9] *';
