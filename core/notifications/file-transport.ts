import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DeliveryRefused, type OutgoingMessage, type Transport } from './transport.js';

/** For development without an SMTP server or SMS gateway: each message becomes one JSON line in `file`. */
export function fileTransport(file: string): Transport {
  return {
    async deliver(message: OutgoingMessage, commit: () => Promise<void>) {
      await mkdir(path.dirname(file), { recursive: true });
      await commit();
      try {
        await appendFile(file, `${JSON.stringify({ at: new Date().toISOString(), ...message })}\n`);
      } catch (err) {
        throw new DeliveryRefused(`cannot write ${file}: ${(err as Error).message}`, false);
      }
    },
  };
}
