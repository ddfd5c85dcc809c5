import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs never carry personal data: requester names, phones, addresses and message text
 * are redacted wherever they appear in a logged object.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: ['*.password', '*.phone', '*.name', '*.address', '*.content', '*.token', 'req.headers.cookie', 'req.headers.authorization'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
