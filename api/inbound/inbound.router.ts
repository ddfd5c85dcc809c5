import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { verifySmsSignature, signatureToleranceSeconds, type InboundSms } from '../../core/inbound/inbound-sms.js';
import type { Clock } from '../../core/platform/clock.js';
import { DomainError } from '../../core/platform/errors.js';
import { phone, text } from '../http/common-schemas.js';
import type { EndpointRegistry } from '../http/endpoint.js';
import { assertUtf8Body } from '../http/text.js';

const signatureHeaders = z.object({
  'x-signature-timestamp': z.string().optional().meta({ description: `Required: when the gateway signed, in Unix seconds. Missing: 401 SIGNATURE_MISSING; more than ${signatureToleranceSeconds} s from our clock: 401 SIGNATURE_EXPIRED` }),
  'x-signature': z.string().optional().meta({ description: 'Required: hex HMAC-SHA256, keyed with SMS_INBOUND_SECRET, of `<timestamp>.<raw body>`, optionally prefixed `sha256=`. Missing: 401 SIGNATURE_MISSING; wrong: 401 SIGNATURE_INVALID' }),
});

const inboundSmsBody = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1–128 letters, digits or _ . : -').meta({ description: "The gateway's id of the message: a repeated post with the same id is taken once" }),
  from: phone.meta({ description: "The sender's number, e.g. +8613800138000" }),
  text: text(2000).meta({ description: 'The message; a lone 1, 2 or 3 answers the satisfaction survey sent to that number' }),
}).meta({ id: 'InboundSms' });

const inboundSmsOutcome = z.object({
  kind: z.enum(['ticket', 'survey']).meta({ description: 'ticket: a ticket was taken in; survey: the answer to a survey was recorded' }),
  ticketId: z.string(),
  number: z.string(),
  followUp: z.enum(['archived', 'reopened']).nullable().optional().meta({ description: 'survey only: what the answer did to the ticket (null: already followed up)' }),
  replayed: z.boolean().meta({ description: 'true when this id was taken before: nothing new was done' }),
});

/**
 * The SMS gateway's webhook. Mounted before the JSON parser of the app: the signature covers the
 * bytes as sent, so the body is read raw, kept for the signature check, and parsed here.
 */
export function inboundRouter(endpoints: EndpointRegistry, deps: { inboundSms: InboundSms; secret: string | null; clock: Clock }): Router {
  const router = Router();
  const keepRawJson: RequestHandler = (req, res, next) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    assertUtf8Body(req, res, raw);
    try {
      req.body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      throw new DomainError('INVALID_JSON', 'The request body is not valid JSON.', { field: 'body' });
    }
    res.locals.rawBody = raw;
    next();
  };
  endpoints.mount(router, {
    method: 'post', path: '/api/inbound/sms', tags: ['inbound'], auth: 'public',
    summary: '短信受理: the SMS gateway posts an inbound SMS (signed); it becomes a ticket, or a survey answer (1 satisfied, 2 basically satisfied, 3 dissatisfied)',
    errors: [401, 404, 413], headers: signatureHeaders, body: inboundSmsBody, response: inboundSmsOutcome,
    handle({ headers, body, res }) {
      if (!deps.secret) throw new DomainError('INBOUND_SMS_NOT_CONFIGURED', 'Inbound SMS are not taken on this server (SMS_INBOUND_SECRET is not set).');
      const timestamp = headers['x-signature-timestamp'];
      const signature = headers['x-signature'];
      if (!timestamp || !signature) {
        throw new DomainError('SIGNATURE_MISSING', 'Sign the request: the X-Signature-Timestamp and X-Signature headers are required.', { header: timestamp ? 'X-Signature' : 'X-Signature-Timestamp' });
      }
      verifySmsSignature(deps.secret, { timestamp, signature, body: res.locals.rawBody as Buffer }, deps.clock.now());
      return deps.inboundSms.receive(body, deps.clock.now());
    },
  }, express.raw({ type: () => true, limit: '64kb' }), keepRawJson);
  return router;
}
