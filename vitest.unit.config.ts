/**
 * `npm run test:unit`, the fast lane (design.md §9): pure tests only, no server, socket or child
 * process (test/setup/no-servers.ts fails a test that tries). `npm test` (vitest.config.ts) runs
 * these and the integration tests. A new pure test file under bridges/ is added to the list below;
 * everything under test/unit/ is in the lane but the slow outbox property test.
 */
import { defineConfig } from 'vitest/config';

const pureBridgeTests = [
  'bridges/email/test/config.test.ts',
  'bridges/email/test/dsn-out.test.ts',
  'bridges/email/test/properties.test.ts',
  'bridges/email/test/reply-strip.test.ts',
  'bridges/email/test/threads.test.ts',
  'bridges/irc/test/address.test.ts',
  'bridges/irc/test/archive-migration.test.ts',
  'bridges/irc/test/history-settings-migration.test.ts',
  'bridges/irc/test/chathistory-anchor.test.ts',
  'bridges/irc/test/client-tag-maps.test.ts',
  'bridges/irc/test/config.test.ts',
  'bridges/irc/test/event-waiters.test.ts',
  'bridges/irc/test/flood-and-backoff.test.ts',
  'bridges/irc/test/input-text.test.ts',
  'bridges/irc/test/isupport.test.ts',
  'bridges/irc/test/line-tags.test.ts',
  'bridges/irc/test/line.test.ts',
  'bridges/irc/test/modes.test.ts',
  'bridges/irc/test/multiline.test.ts',
  'bridges/irc/test/properties.test.ts',
  'bridges/irc/test/refusal-conditions.test.ts',
  'bridges/irc/test/styling.test.ts',
  'bridges/irc/test/text.test.ts',
  'bridges/irc/test/to-event.test.ts',
  'bridges/irc/test/user-ident.test.ts',
  'bridges/sms/test/address.test.ts',
  'bridges/sms/test/config-example.test.ts',
  'bridges/sms/test/segments.test.ts',
  'bridges/sms/test/split-body.test.ts',
];

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', ...pureBridgeTests],
    // No server, but 40 fast-check runs on real timers take ~9 s on their own: `npm test` runs it.
    exclude: ['test/unit/outbox-property.test.ts'],
    setupFiles: ['test/setup/no-servers.ts', 'test/setup/xml-audit.ts', 'test/setup/cleanup.ts'],
    testTimeout: 10_000,
    pool: 'threads',
    // Pure files share nothing worth isolating; one module graph per worker halves the lane's time.
    isolate: false,
  },
});
