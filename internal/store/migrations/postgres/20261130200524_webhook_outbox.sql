-- Modify "outbox_messages" table
ALTER TABLE "outbox_messages" ADD COLUMN "endpoint" character varying NOT NULL DEFAULT '', ADD COLUMN "event_id" character varying NOT NULL DEFAULT '', ADD COLUMN "payload" text NOT NULL DEFAULT '';
