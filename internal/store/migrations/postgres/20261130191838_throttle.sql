-- Create "throttles" table
CREATE TABLE "throttles" ("key" character varying NOT NULL, "tat" bigint NOT NULL, "streak" bigint NOT NULL DEFAULT 0, "denied" bigint NOT NULL DEFAULT 0, "expires" bigint NOT NULL, PRIMARY KEY ("key"));
-- Create index "throttle_expires" to table: "throttles"
CREATE INDEX "throttle_expires" ON "throttles" ("expires");
