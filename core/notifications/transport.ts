import type { NoticeChannel } from '../../templates/catalogue.js';

/** A rendered notice on its way out; `id` is the outbox id, so every copy of one notice carries the same identity. */
export interface OutgoingMessage {
  id: string;
  channel: NoticeChannel;
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/**
 * One way out (SMTP, an SMS gateway, a file). `deliver` calls `commit` exactly once, as late as
 * possible: immediately before the step after which the message may reach the recipient (for SMTP
 * the final dot of DATA). If `commit` rejects, the attempt was taken over by another sender and
 * the transport must abort without that step. An error thrown after `commit` resolved means
 * "outcome unknown", unless it is a `DeliveryRefused`.
 */
export interface Transport {
  deliver(message: OutgoingMessage, commit: () => Promise<void>): Promise<void>;
}

/** The far end answered and did not take the message: nothing was delivered. */
export class DeliveryRefused extends Error {
  constructor(
    message: string,
    /** Retrying cannot help (unknown mailbox, malformed number): the notice fails at once. */
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'DeliveryRefused';
  }
}
