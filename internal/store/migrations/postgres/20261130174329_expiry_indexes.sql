-- Create index "refreshtoken_expires_at" to table: "refresh_tokens"
CREATE INDEX "refreshtoken_expires_at" ON "refresh_tokens" ("expires_at");
-- Create index "token_expires_at" to table: "tokens"
CREATE INDEX "token_expires_at" ON "tokens" ("expires_at");
