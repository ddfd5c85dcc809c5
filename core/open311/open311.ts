import type { ActionContext } from '../audit/audit.js';
import type { CategoryRepository } from '../categories/category.repository.js';
import type { DepartmentRepository } from '../departments/department.repository.js';
import type { Config } from '../platform/config.js';
import { DomainError } from '../platform/errors.js';
import type { TicketRepository } from '../tickets/ticket.repository.js';
import type { Tickets } from '../tickets/tickets.js';
import {
  activeCategories, intakeInputOf, serviceAttributes, serviceList, serviceRequestRecord, statesWithStatus,
  type Open311Status, type RecordTicket, type Service, type ServiceAttribute, type ServiceRequestInput, type ServiceRequestRecord,
} from './georeport.js';

export interface Open311Settings {
  /** What `jurisdiction_id` must be when a client sends one: we serve one jurisdiction. */
  jurisdictionId: string;
  /** The GeoReport v2 endpoint's address, for the discovery document. */
  endpointUrl: string;
}

export function open311SettingsFrom(config: Config): Open311Settings {
  const publicUrl = (config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/+$/, '');
  return {
    // The specification suggests the jurisdiction's website without "www".
    jurisdictionId: config.OPEN311_JURISDICTION_ID ?? new URL(publicUrl).hostname.replace(/^www\./, ''),
    endpointUrl: `${publicUrl}/open311/v2`,
  };
}

/** GET requests answers at most this many, newest first, over at most this many days. */
export const requestsLimit = 1000;
const maxSpanDays = 90;
const dayMs = 86_400_000;

export interface RequestsQuery {
  serviceRequestIds?: string[];
  serviceCodes?: string[];
  startDate?: Date;
  endDate?: Date;
  statuses?: Open311Status[];
}

const categoryFields = ['code', 'name', 'nameEn', 'parentId', 'ancestors', 'path', 'active'] as const;

/**
 * The Open311 GeoReport v2 use cases. Requests come in through ticket intake (channel
 * `open311`); what GET returns are the tickets of that channel only, because the other channels'
 * requesters never agreed to publish their words.
 */
export class Open311 {
  constructor(
    private readonly tickets: Tickets,
    private readonly ticketRecords: TicketRepository,
    private readonly categories: CategoryRepository,
    private readonly departments: DepartmentRepository,
    readonly settings: Open311Settings,
  ) {}

  /** An absent or empty jurisdiction_id means ours; another one does not exist here. */
  assertJurisdiction(jurisdictionId: string | undefined): void {
    if (jurisdictionId && jurisdictionId !== this.settings.jurisdictionId) {
      throw new DomainError('JURISDICTION_NOT_FOUND', `jurisdiction_id ${jurisdictionId} is not served here; this endpoint serves ${this.settings.jurisdictionId}.`);
    }
  }

  async services(): Promise<Service[]> {
    return serviceList(await this.categories.all(categoryFields));
  }

  async serviceDefinition(serviceCode: string): Promise<{ service_code: string; attributes: readonly ServiceAttribute[] }> {
    const category = await this.serviceCategory(serviceCode);
    return { service_code: category.code, attributes: serviceAttributes };
  }

  /**
   * POST requests: intake as the partner's user. With an Idempotency-Key, a retry returns the
   * request the first one created, and the key is the request's token.
   */
  async submit(ctx: ActionContext, partner: string, input: ServiceRequestInput, idempotencyKey?: string) {
    const category = await this.serviceCategory(input.serviceCode);
    const intake = intakeInputOf(input, { id: String(category._id), name: category.name }, { partner, token: idempotencyKey ?? null });
    const { number, replayed } = await this.tickets.intake(ctx, intake, idempotencyKey);
    return { request: { service_request_id: number, service_notice: null, account_id: input.accountId ?? null }, replayed };
  }

  async requests(query: RequestsQuery, now: Date): Promise<ServiceRequestRecord[]> {
    if (query.serviceRequestIds) return this.records(await this.ticketRecords.ofChannel('open311', { numbers: query.serviceRequestIds }, requestsLimit));
    const { from, to } = dateRange(query.startDate, query.endDate, now);
    const categoryIds = query.serviceCodes
      ? (await Promise.all(query.serviceCodes.map((code) => this.categories.byCode(code, ['code'])))).flatMap((c) => (c ? [String(c._id)] : []))
      : undefined;
    const states = query.statuses ? statesWithStatus(query.statuses) : undefined;
    return this.records(await this.ticketRecords.ofChannel('open311', { categoryIds, states, from, to }, requestsLimit));
  }

  async request(serviceRequestId: string): Promise<ServiceRequestRecord[]> {
    const records = await this.records(await this.ticketRecords.ofChannel('open311', { numbers: [serviceRequestId] }, 1));
    if (!records.length) throw new DomainError('SERVICE_REQUEST_NOT_FOUND', `No service request ${serviceRequestId}.`);
    return records;
  }

  /** GET tokens: the requests a partner sent with this Idempotency-Key (partners may have chosen the same one). */
  async token(token: string): Promise<{ service_request_id: string; token: string }[]> {
    const numbers = await this.ticketRecords.numbersByToken('open311', token);
    if (!numbers.length) throw new DomainError('TOKEN_NOT_FOUND', `No service request was sent with token ${token}.`);
    return numbers.map((number) => ({ service_request_id: number, token }));
  }

  /** The service discovery document; its changesets move when a service or its definition may have. */
  async discovery() {
    const changed = (await this.categories.lastChange()) ?? new Date(0);
    const changeset = changed.toISOString();
    return {
      changeset,
      contact: '12345 政务服务便民热线中心 / The 12345 public-service hotline centre',
      key_service: 'api_key 由热线中心管理员为合作单位签发 / The hotline centre\'s administrator issues api_key to partner organisations',
      endpoints: [{
        specification: 'http://wiki.open311.org/GeoReport_v2',
        url: this.settings.endpointUrl,
        changeset,
        type: 'production',
        formats: ['text/xml', 'application/json'],
      }],
    };
  }

  /** A category in use by its code (the service code), or SERVICE_NOT_FOUND. */
  private async serviceCategory(serviceCode: string) {
    const category = await this.categories.byCode(serviceCode, categoryFields);
    const chain = category ? [...(await this.categories.byIds(category.ancestors, categoryFields)), category] : [];
    if (!category || activeCategories(chain).length !== chain.length) {
      throw new DomainError('SERVICE_NOT_FOUND', `No service with service_code ${serviceCode}.`);
    }
    return category;
  }

  /** Tickets as service requests, with their categories, lead departments and merge parents read at once. */
  private async records(tickets: (RecordTicket & { categoryId: string | null })[]): Promise<ServiceRequestRecord[]> {
    const leadOf = (t: RecordTicket) => t.assignments.find((a) => a.role === 'lead')?.departmentId ?? null;
    const unique = (ids: (string | null)[]) => [...new Set(ids.filter((id): id is string => id !== null))];
    const [categories, departmentNames, parents] = await Promise.all([
      this.categories.byIds(unique(tickets.map((t) => t.categoryId)), ['code', 'name']),
      this.departments.namesOf(unique(tickets.map(leadOf))),
      this.ticketRecords.numbersOf(unique(tickets.map((t) => t.parentId))),
    ]);
    const categoryById = new Map(categories.map((c) => [String(c._id), c]));
    return tickets.map((t) => {
      const lead = leadOf(t);
      return serviceRequestRecord(t, {
        category: (t.categoryId && categoryById.get(t.categoryId)) || null,
        leadDepartment: lead ? (departmentNames.get(lead) ?? null) : null,
        parentNumber: t.parentId ? (parents.get(t.parentId) ?? null) : null,
      });
    });
  }
}

/** The range GET requests reads: the most recent 90 days, or up to 90 days from or to a given date. */
export function dateRange(start: Date | undefined, end: Date | undefined, now: Date): { from: Date; to: Date } {
  const span = maxSpanDays * dayMs;
  const to = end ?? (start ? new Date(start.getTime() + span) : now);
  const from = start ?? new Date(to.getTime() - span);
  if (from > to) throw new DomainError('INVALID_DATE_RANGE', 'start_date is after end_date.', { field: 'start_date' });
  if (to.getTime() - from.getTime() > span) {
    throw new DomainError('INVALID_DATE_RANGE', `start_date and end_date may not span more than ${maxSpanDays} days.`, { field: 'end_date' });
  }
  return { from, to };
}
