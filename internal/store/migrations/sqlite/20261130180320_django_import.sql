-- Create "django_import_users" table
CREATE TABLE `django_import_users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `fields` blob NOT NULL, `token_digest` blob NULL);
