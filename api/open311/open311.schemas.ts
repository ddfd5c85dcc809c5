import { z } from 'zod';
import { email, instant, line, phone, text, webUrl } from '../http/common-schemas.js';
import { formats } from './georeport-format.js';

/**
 * The GeoReport v2 arguments. Parameters the specification does not define are ignored rather
 * than refused: clients send extensions (page_size, …) and must work unchanged.
 */

export const format = z.enum(formats).meta({ description: 'xml (the required format) or json' });
const jurisdiction = z.string().max(200).optional().meta({ description: 'Only needed by endpoints serving several jurisdictions; when given it must be ours' });

export const formatParams = z.object({ format });
export const serviceParams = z.object({ service_code: z.string().min(1).max(50), format });
export const requestParams = z.object({ service_request_id: z.string().min(1).max(50), format });
export const tokenParams = z.object({ token: z.string().min(1).max(128), format });
export const jurisdictionQuery = z.object({ jurisdiction_id: jurisdiction });

/** A comma-delimited list, which may also be declared several times. */
const list = <T extends z.ZodType<unknown, string>>(item: T, max: number) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(item).min(1).max(max));

export const requestsQuery = z.object({
  jurisdiction_id: jurisdiction,
  service_request_id: list(z.string().regex(/^\d{14}$/, 'must be 14-digit request ids'), 1000).optional()
    .meta({ description: 'Comma-delimited; overrides every other argument' }),
  service_code: list(z.string().max(50), 100).optional().meta({ description: 'Comma-delimited service codes' }),
  start_date: instant.optional().meta({ description: 'Earliest requested_datetime (w3 format with time zone); with end_date at most 90 days apart' }),
  end_date: instant.optional().meta({ description: 'Latest requested_datetime; the default range is the most recent 90 days' }),
  status: list(z.enum(['open', 'closed']), 2).optional().meta({ description: 'open, closed or both, comma-delimited' }),
});

const coordinate = (min: number, max: number) => z.coerce.number().min(min).max(max);
/** Phones as clients write them ("(555) 555-5555", "111 1111"): spaces, brackets and dots dropped. */
const looseDigits = z.string().transform((v) => v.replace(/[\s().]/g, '')).pipe(phone);

export const postRequestBody = z
  .object({
    jurisdiction_id: jurisdiction,
    service_code: z.string().min(1).max(50),
    lat: coordinate(-90, 90).optional().meta({ description: 'WGS84; with long, or address_string, or address_id' }),
    long: coordinate(-180, 180).optional(),
    address_string: line(200).optional(),
    address_id: line(100).optional(),
    email: email.optional(),
    device_id: line(100).optional(),
    account_id: line(100).optional(),
    first_name: line(40).optional(),
    last_name: line(40).optional(),
    phone: looseDigits.optional(),
    description: text(4000).optional(),
    media_url: webUrl.optional().meta({ description: 'A photo or other media of the request, kept by reference' }),
    attributes: z.record(z.string().max(50), z.array(line(200)).max(20)).default({})
      .meta({ description: 'Sent as attribute[code]=value (attribute[code][]=value for several); see the service definition' }),
  })
  .superRefine((body, ctx) => {
    if ((body.lat === undefined) !== (body.long === undefined)) {
      ctx.addIssue({ code: 'custom', path: [body.lat === undefined ? 'lat' : 'long'], message: 'lat and long are sent together' });
    } else if (body.lat === undefined && body.address_string === undefined && body.address_id === undefined) {
      ctx.addIssue({ code: 'custom', path: ['address_string'], message: 'a location is required: lat and long, address_string or address_id' });
    }
  });

/** How the form fields arrive, for the OpenAPI document (attribute[code] fields besides). */
export const postRequestForm = z
  .object({
    api_key: z.string().meta({ description: 'The partner key the hotline centre issued (also accepted in the query string)' }),
    jurisdiction_id: z.string().optional(),
    service_code: z.string(),
    lat: z.number().optional(), long: z.number().optional(), address_string: z.string().optional(), address_id: z.string().optional(),
    email: z.string().optional(), device_id: z.string().optional(), account_id: z.string().optional(),
    first_name: z.string().optional(), last_name: z.string().optional(), phone: z.string().optional(),
    description: z.string().optional(), media_url: z.string().optional(),
  })
  .catchall(z.union([z.string(), z.array(z.string())]))
  .meta({ id: 'Open311ServiceRequestForm' });

const attributeKey = /^attribute\[([^\]]+)\](\[\])?$/;

/**
 * The POST's fields from the query string and the form (the specification's clients put api_key
 * in either), with `attribute[code]` pairs gathered and empty fields dropped: an empty optional
 * argument means the same as an absent one.
 */
export function postFields(query: Record<string, unknown>, body: unknown): { fields: Record<string, unknown>; apiKey: string | undefined } {
  const merged: Record<string, unknown> = { ...query, ...(body && typeof body === 'object' ? body : {}) };
  const fields: Record<string, unknown> = {};
  const attributes: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(merged)) {
    const values = (Array.isArray(value) ? value : [value]).filter((v) => v !== '' && v !== undefined);
    if (!values.length) continue;
    const attribute = attributeKey.exec(key);
    if (attribute) attributes[attribute[1]!] = [...(attributes[attribute[1]!] ?? []), ...values.map(String)];
    else fields[key] = Array.isArray(value) ? values : values[0];
  }
  const { api_key: apiKey, ...rest } = fields;
  return { fields: { ...rest, attributes }, apiKey: typeof apiKey === 'string' ? apiKey : undefined };
}

/** Query arguments with empty values dropped. */
export const presentArguments = (query: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(query).filter(([, v]) => v !== '' && !(Array.isArray(v) && v.every((x) => x === ''))));

const nullableText = z.string().nullable();

export const serviceList = z
  .array(z.object({
    service_code: z.string(), service_name: z.string(), description: z.string(), metadata: z.boolean(),
    type: z.enum(['realtime', 'batch', 'blackbox']), keywords: z.string(), group: z.string(),
  }))
  .meta({ id: 'Open311Services' });

export const serviceDefinition = z
  .object({
    service_code: z.string(),
    attributes: z.array(z.object({
      variable: z.boolean(), code: z.string(), datatype: z.enum(['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist']),
      required: z.boolean(), datatype_description: nullableText, order: z.number().int(), description: z.string(),
      values: z.array(z.object({ key: z.string(), name: z.string() })),
    })),
  })
  .meta({ id: 'Open311ServiceDefinition' });

export const postResponse = z
  .array(z.object({ service_request_id: z.string(), service_notice: nullableText, account_id: nullableText }))
  .meta({ id: 'Open311ServiceRequestCreated' });

export const serviceRequests = z
  .array(z.object({
    service_request_id: z.string(), status: z.enum(['open', 'closed']), status_notes: nullableText,
    service_name: nullableText, service_code: nullableText, description: z.string(), agency_responsible: nullableText,
    service_notice: nullableText, requested_datetime: z.date(), updated_datetime: z.date(), expected_datetime: z.date().nullable(),
    address: nullableText, address_id: nullableText, zipcode: nullableText, lat: z.number().nullable(), long: z.number().nullable(), media_url: nullableText,
  }))
  .meta({ id: 'Open311ServiceRequests' });

export const tokenRequests = z.array(z.object({ service_request_id: z.string(), token: z.string() })).meta({ id: 'Open311Tokens' });

export const discovery = z
  .object({
    changeset: z.string(), contact: z.string(), key_service: z.string(),
    endpoints: z.array(z.object({
      specification: z.string(), url: z.string(), changeset: z.string(), type: z.enum(['production', 'test']), formats: z.array(z.string()),
    })),
  })
  .meta({ id: 'Open311Discovery' });

export const open311ErrorList = z
  .array(z.object({ code: z.number().int(), description: z.string() }))
  .meta({ id: 'Open311Errors' });
