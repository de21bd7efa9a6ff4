/**
 * pino JSON logs. Secrets are redacted by path wherever they may appear (config objects,
 * errors carrying request options), and the component secret is never passed to the logger.
 */
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'secret',
  'password',
  'component_secret',
  'auth_token',
  'authToken',
  'token',
  'sasl_password',
  '*.secret',
  '*.password',
  '*.component_secret',
  '*.auth_token',
  '*.authToken',
  '*.sasl_password',
  'headers.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'err.config.headers.Authorization',
  'err.config.auth',
  'bridges.*.options.auth_token',
  'bridges.*.component_secret',
  'config.auth.pass',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { app: 'switchboard' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? process.stdout,
  );
}
