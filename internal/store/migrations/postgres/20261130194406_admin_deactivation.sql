-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "deactivated_at" timestamptz NULL;
