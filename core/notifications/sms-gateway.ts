import { DeliveryRefused, type OutgoingMessage, type Transport } from './transport.js';

export interface SmsGatewaySettings {
  url: string;
  token: string;
  timeoutMs?: number;
}

/**
 * An HTTP SMS gateway: POST `{id, to, text}` as JSON with a bearer token. The outbox id also goes
 * as `Idempotency-Key`, so a gateway that honours it drops a second copy of the same notice.
 */
export function smsGatewayTransport(settings: SmsGatewaySettings): Transport {
  return {
    async deliver(message: OutgoingMessage, commit: () => Promise<void>) {
      await commit();
      const response = await fetch(settings.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${settings.token}`, 'idempotency-key': message.id },
        body: JSON.stringify({ id: message.id, to: message.to, text: message.text }),
        signal: AbortSignal.timeout(settings.timeoutMs ?? 15_000),
      });
      if (!response.ok) {
        // 4xx other than timeouts and throttling means this message will never be taken.
        const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
        throw new DeliveryRefused(`SMS gateway answered ${response.status}`, permanent);
      }
    },
  };
}
