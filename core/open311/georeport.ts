import { REQUEST_TYPES, type RequestType } from '../clocks/index.js';
import type { Category } from '../categories/category.js';
import { pathSeparator } from '../categories/category.js';
import { DomainError } from '../platform/errors.js';
import type { IntakeInput } from '../tickets/tickets.js';
import { ticketStates, type Ticket, type TicketState } from '../tickets/ticket.js';

/**
 * The Open311 GeoReport v2 view of the hotline (http://wiki.open311.org/GeoReport_v2): services
 * are categories, service requests are the tickets that came in through Open311. Pure: the use
 * cases in `open311.ts` read and write, these functions only translate.
 */

export type Open311Status = 'open' | 'closed';

/** Resolved for the requester once the centre accepted the reply (or answered on the call), or ended otherwise. */
const closedStates: readonly TicketState[] = ['awaiting_callback', 'closed', 'archived', 'merged', 'cancelled'];

export const open311Status = (state: TicketState): Open311Status => (closedStates.includes(state) ? 'closed' : 'open');
export const statesWithStatus = (statuses: readonly Open311Status[]): TicketState[] => ticketStates.filter((s) => statuses.includes(open311Status(s)));

export interface AttributeValue {
  key: string;
  name: string;
}

export interface ServiceAttribute {
  variable: boolean;
  code: string;
  datatype: 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist';
  required: boolean;
  datatype_description: string | null;
  order: number;
  description: string;
  values: AttributeValue[];
}

const requestTypeNames: Record<RequestType, string> = {
  inquiry: '咨询 / Inquiry', help: '求助 / Help', complaint: '投诉 / Complaint', report: '举报 / Report', suggestion: '建议 / Suggestion', praise: '表扬 / Praise',
};
/** What a report of a problem in a public space is when the client does not say. */
const defaultRequestType: RequestType = 'complaint';

/**
 * What the hotline asks of every request whatever its category: the operators' and the portal's
 * questions besides the text and the place. Category-specific fields do not exist yet, so every
 * service has this same definition.
 */
export const serviceAttributes: readonly ServiceAttribute[] = [
  {
    variable: true, code: 'request_type', datatype: 'singlevaluelist', required: false, order: 1,
    datatype_description: `默认 ${requestTypeNames[defaultRequestType]} / Default: ${defaultRequestType}`,
    description: '诉求类型 / Type of request',
    values: REQUEST_TYPES.map((key) => ({ key, name: requestTypeNames[key] })),
  },
  {
    variable: true, code: 'confidential', datatype: 'singlevaluelist', required: false, order: 2,
    datatype_description: '默认不保密 / Default: false',
    description: '为我保密：承办部门看不到姓名、电话和邮箱 / Keep my details confidential: departments do not see name, phone or e-mail',
    values: [{ key: 'false', name: '不保密 / Not confidential' }, { key: 'true', name: '保密 / Confidential' }],
  },
];

export type CategoryRow = Pick<Category, 'code' | 'name' | 'nameEn' | 'parentId' | 'ancestors' | 'path' | 'active'> & { _id: unknown };

export interface Service {
  service_code: string;
  service_name: string;
  description: string;
  metadata: boolean;
  type: 'realtime' | 'batch' | 'blackbox';
  keywords: string;
  group: string;
}

/** Categories in use: active, and under active categories only. */
export function activeCategories<C extends CategoryRow>(rows: readonly C[]): C[] {
  const inactive = new Set(rows.filter((c) => !c.active).map((c) => String(c._id)));
  return rows.filter((c) => c.active && !c.ancestors.some((id) => inactive.has(id)));
}

/**
 * The service list: each category in use that has none in use below it, grouped by its
 * first-level category. Intake is immediate, so every service is `realtime`.
 */
export function serviceList(rows: readonly CategoryRow[]): Service[] {
  const active = activeCategories(rows);
  const byId = new Map(active.map((c) => [String(c._id), c]));
  const parents = new Set(active.map((c) => c.parentId).filter((id): id is string => id !== null));
  return active
    .filter((c) => !parents.has(String(c._id)))
    .map((c) => {
      const chain = [...c.ancestors.map((id) => byId.get(id)).filter((a): a is CategoryRow => !!a), c];
      return {
        service_code: c.code,
        service_name: c.name,
        description: c.path,
        metadata: serviceAttributes.length > 0,
        type: 'realtime',
        keywords: chain.flatMap((a) => [a.name, ...(a.nameEn ? [a.nameEn] : [])]).join(', '),
        group: c.path.split(pathSeparator)[0]!,
      };
    });
}

/** A POST service request as the API validated it (field names of the specification, in camelCase). */
export interface ServiceRequestInput {
  serviceCode: string;
  lat?: number;
  long?: number;
  addressString?: string;
  addressId?: string;
  email?: string;
  deviceId?: string;
  accountId?: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  description?: string;
  mediaUrl?: string;
  /** `attribute[code]=value` pairs; a multivaluelist sends several values for one code. */
  attributes: Record<string, string[]>;
}

const attributeError = (code: string, message: string) =>
  new DomainError('INVALID_ATTRIBUTE', `attribute[${code}]: ${message}`, { field: `attribute[${code}]` });

function singleValue(input: ServiceRequestInput, attribute: ServiceAttribute): string | undefined {
  const values = input.attributes[attribute.code];
  if (!values?.length) return undefined;
  if (values.length > 1) throw attributeError(attribute.code, 'takes one value');
  const [value] = values as [string];
  if (!attribute.values.some((v) => v.key === value)) {
    throw attributeError(attribute.code, `must be one of ${attribute.values.map((v) => v.key).join(', ')}`);
  }
  return value;
}

const han = /^\p{Script=Han}+$/u;

/** Chinese names are written family name first, without a space; others given name first. */
export function requesterName(firstName?: string, lastName?: string): string | null {
  const parts = [firstName, lastName].filter((p): p is string => !!p);
  if (!parts.length) return null;
  if (firstName && lastName && han.test(firstName) && han.test(lastName)) return `${lastName}${firstName}`;
  return parts.join(' ');
}

const subjectLength = 60;

/** The first line of the description, shortened, or the service's name when there is none. */
export function subjectOf(description: string | undefined, serviceName: string): string {
  const firstLine = description?.split(/\r?\n/).map((l) => l.trim()).find(Boolean);
  if (!firstLine) return serviceName;
  return firstLine.length > subjectLength ? `${firstLine.slice(0, subjectLength - 1)}…` : firstLine;
}

const mediaTypes: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', heic: 'image/heic',
  mp4: 'video/mp4', mov: 'video/quicktime', mp3: 'audio/mpeg', pdf: 'application/pdf',
};

/** The media URL as an attachment kept by reference: its name and a type guessed from the extension. */
export function mediaAttachment(mediaUrl: string): { name: string; contentType: string; size: number; url: string } {
  const last = new URL(mediaUrl).pathname.split('/').filter(Boolean).at(-1) ?? '';
  let name = last;
  try {
    name = decodeURIComponent(last);
  } catch {
    // A malformed escape: the name stays as written.
  }
  const extension = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
  return { name: (name || 'media').slice(0, 200), contentType: mediaTypes[extension] ?? 'application/octet-stream', size: 0, url: mediaUrl };
}

/** The intake of a POST service request of `category`, handed over by `partner`. */
export function intakeInputOf(
  input: ServiceRequestInput,
  category: { id: string; name: string },
  origin: { partner: string; token: string | null },
): IntakeInput {
  const known = new Set(serviceAttributes.map((a) => a.code));
  const unknown = Object.keys(input.attributes).find((code) => !known.has(code));
  if (unknown !== undefined) throw attributeError(unknown, `is not an attribute of service ${input.serviceCode}`);
  const [requestType, confidential] = serviceAttributes.map((a) => singleValue(input, a));
  const coordinates = input.lat !== undefined && input.long !== undefined ? { lat: input.lat, lng: input.long } : null;
  return {
    channel: 'open311',
    requestType: (requestType as RequestType | undefined) ?? defaultRequestType,
    categoryId: category.id,
    requester: {
      name: requesterName(input.firstName, input.lastName),
      phone: input.phone ?? null,
      email: input.email ?? null,
      confidential: confidential === 'true',
    },
    location: { address: input.addressString ?? null, coordinates },
    subject: subjectOf(input.description, category.name),
    content: input.description ?? category.name,
    attachments: input.mediaUrl ? [mediaAttachment(input.mediaUrl)] : [],
    external: {
      partner: origin.partner,
      token: origin.token,
      accountId: input.accountId ?? null,
      deviceId: input.deviceId ?? null,
      addressId: input.addressId ?? null,
    },
  };
}

export interface ServiceRequestRecord {
  service_request_id: string;
  status: Open311Status;
  status_notes: string | null;
  service_name: string | null;
  service_code: string | null;
  description: string;
  agency_responsible: string | null;
  service_notice: string | null;
  requested_datetime: Date;
  updated_datetime: Date;
  expected_datetime: Date | null;
  address: string | null;
  address_id: string | null;
  zipcode: string | null;
  lat: number | null;
  long: number | null;
  media_url: string | null;
}

export type RecordTicket = Pick<
  Ticket,
  'number' | 'state' | 'content' | 'location' | 'attachments' | 'assignments' | 'infoRequest' | 'cancelReason' | 'parentId' | 'external' | 'createdAt' | 'updatedAt' | 'dueAt'
>;

/** What the requester can read of where the ticket stands (status_notes), Chinese first. */
export function statusNotes(ticket: RecordTicket, parentNumber: string | null): string | null {
  const lead = ticket.assignments.find((a) => a.role === 'lead');
  switch (ticket.state) {
    case 'received': return '已受理，待派单 / Received, to be dispatched';
    case 'dispatched': return '已派单，待承办部门签收 / Dispatched to the department';
    case 'in_handling': return '承办部门办理中 / The department is handling it';
    case 'waiting_info': return `请补充 / Information needed: ${(ticket.infoRequest?.items ?? []).join('；')}`;
    case 'returned': return '改派中 / Being passed to another department';
    case 'replied': return '答复审核中 / The reply is being reviewed';
    case 'awaiting_callback':
    case 'closed':
    case 'archived':
      return lead?.reply ?? '热线已直接答复 / Answered by the hotline';
    case 'merged': return `与 ${parentNumber ?? '另一诉求'} 合并办理 / Merged into request ${parentNumber ?? ''}`.trim();
    case 'cancelled': return `已作废 / Cancelled: ${ticket.cancelReason ?? ''}`.trim();
  }
}

/** One ticket as a GeoReport service request; its category and lead department read by the caller. */
export function serviceRequestRecord(
  ticket: RecordTicket,
  related: { category: { code: string; name: string } | null; leadDepartment: string | null; parentNumber: string | null },
): ServiceRequestRecord {
  const media = ticket.attachments.find((a) => a.url);
  return {
    service_request_id: ticket.number,
    status: open311Status(ticket.state),
    status_notes: statusNotes(ticket, related.parentNumber),
    service_name: related.category?.name ?? null,
    service_code: related.category?.code ?? null,
    description: ticket.content,
    agency_responsible: related.leadDepartment,
    service_notice: null,
    requested_datetime: ticket.createdAt,
    updated_datetime: ticket.updatedAt,
    expected_datetime: ticket.dueAt,
    address: ticket.location.address,
    address_id: ticket.external?.addressId ?? null,
    zipcode: null,
    lat: ticket.location.coordinates?.lat ?? null,
    long: ticket.location.coordinates?.lng ?? null,
    media_url: media?.url ?? null,
  };
}
