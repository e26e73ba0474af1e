-- a portal database at schema version 1 (accounts only), recorded for the upgrade test
BEGIN TRANSACTION;
CREATE TABLE "audit_entry" ("id" INTEGER NOT NULL PRIMARY KEY, "actor_id" INTEGER, "action" VARCHAR(64) NOT NULL, "detail" VARCHAR(255) NOT NULL, "created_at" DATETIME NOT NULL, FOREIGN KEY ("actor_id") REFERENCES "user" ("id") ON DELETE SET NULL);
INSERT INTO "audit_entry" VALUES(1,1,'link.invite','council council-rosa','2026-02-01 10:00:00');
CREATE TABLE "one_time_link" ("id" INTEGER NOT NULL PRIMARY KEY, "token_hash" VARCHAR(64) NOT NULL, "purpose" VARCHAR(16) NOT NULL, "role" VARCHAR(16) NOT NULL, "username" VARCHAR(64), "user_id" INTEGER, "created_by_id" INTEGER, "expires_at" DATETIME NOT NULL, "used_at" DATETIME, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE, FOREIGN KEY ("created_by_id") REFERENCES "user" ("id") ON DELETE SET NULL);
CREATE TABLE "recovery_code" ("id" INTEGER NOT NULL PRIMARY KEY, "user_id" INTEGER NOT NULL, "code_hash" VARCHAR(64) NOT NULL, "used_at" DATETIME, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE TABLE "schema_version" ("id" INTEGER NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL);
INSERT INTO "schema_version" VALUES(1,1);
CREATE TABLE "user" ("id" INTEGER NOT NULL PRIMARY KEY, "username" VARCHAR(64) NOT NULL, "display_name" VARCHAR(100) NOT NULL, "role" VARCHAR(16) NOT NULL, "password_hash" VARCHAR(255) NOT NULL, "is_active" INTEGER NOT NULL, "session_version" INTEGER NOT NULL, "totp_secret" VARCHAR(64), "totp_enabled" INTEGER NOT NULL, "totp_last_step" INTEGER NOT NULL, "created_on" DATE NOT NULL);
INSERT INTO "user" VALUES(1,'founding-admin','Ana','admin','$argon2id$v=19$m=8,t=1,p=1$Ex3xcehC6P8wWSmSgQU3bg$gcXpChgflJnAc82lj9W3bLe2QwYtMhQMtDsWdfKCda0',1,1,NULL,0,0,'2026-01-15');
INSERT INTO "user" VALUES(2,'council-rosa','','council','$argon2id$v=19$m=8,t=1,p=1$iBM9s26JLpST2LEg8f1KSQ$aU5YU7lVwM7Qzoh6XA8m+NF0gSddjImrBTtWo/CAkFA',1,1,NULL,0,0,'2026-02-01');
CREATE UNIQUE INDEX "user_username" ON "user" ("username");
CREATE INDEX "audit_entry_actor_id" ON "audit_entry" ("actor_id");
CREATE UNIQUE INDEX "one_time_link_token_hash" ON "one_time_link" ("token_hash");
CREATE INDEX "one_time_link_user_id" ON "one_time_link" ("user_id");
CREATE INDEX "one_time_link_created_by_id" ON "one_time_link" ("created_by_id");
CREATE INDEX "recovery_code_user_id" ON "recovery_code" ("user_id");
COMMIT;
