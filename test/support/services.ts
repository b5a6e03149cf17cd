/** Where the real services of the test machine are. Overridable for other machines. */
export const PG_ADMIN_URL = process.env.SIPHON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MY_ADMIN_URL = process.env.SIPHON_TEST_MY_URL ?? 'mysql://root@127.0.0.1:3306/mysql';
export const NATS_URL = process.env.SIPHON_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
export const CHROMIUM = process.env.SIPHON_TEST_CHROMIUM ?? '/usr/bin/chromium';
