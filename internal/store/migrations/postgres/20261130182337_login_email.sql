-- Drop index "users_username_key" from table: "users"
DROP INDEX "users_username_key";
-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "email_key" character varying NULL;
-- Create index "user_username" to table: "users"
CREATE UNIQUE INDEX "user_username" ON "users" ("username") WHERE ((username)::text <> ''::text);
-- Create index "users_email_key_key" to table: "users"
CREATE UNIQUE INDEX "users_email_key_key" ON "users" ("email_key");
