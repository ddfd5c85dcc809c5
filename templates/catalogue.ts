/**
 * Every notice the hotline sends: its id, the channels it may go out on, its subject and the data
 * it is rendered with. Whoever enqueues a notice and the `.hbs` files beside this one both follow
 * this contract; `render.ts` reads the files.
 */
export const locales = ['zh-CN', 'en'] as const;
export type Locale = (typeof locales)[number];

export const noticeChannels = ['email', 'sms'] as const;
export type NoticeChannel = (typeof noticeChannels)[number];

/** The ticket facts a department may read about a requester: absent (null) when they asked for confidentiality. */
export interface VisibleRequester {
  name: string | null;
  phone: string | null;
}

export interface RankingRow {
  rank: number;
  department: string;
  /** Fractions in 0…1. */
  responseRate: number;
  resolutionRate: number;
  satisfactionRate: number;
  score: number;
}

export interface TemplateData {
  /** To the requester, right after intake. `followUrl` opens the portal's follow page, which asks for the phone. */
  'ticket-received': { number: string; subject: string; followUrl: string | null };
  /** To each contact of each department the ticket was (re-)dispatched to. */
  'ticket-dispatched': {
    number: string;
    subject: string;
    category: string | null;
    departmentName: string;
    lead: boolean;
    deadline: Date | null;
    requester: VisibleRequester | null;
  };
  'ticket-urged': { number: string; subject: string; departmentName: string; deadline: Date | null; urgeCount: number; reason: string | null };
  /** To the department heads and the supervisors. */
  'ticket-supervised': { number: string; subject: string; departmentName: string; deadline: Date | null; reason: string | null };
  /** To the department that returned the ticket. `newLead` names the department it went to when approved. */
  /** The centre took back a ticket the routing job had dispatched: the department need not handle it. */
  'dispatch-withdrawn': { number: string; subject: string; departmentName: string; reason: string | null };
  'return-decided': { number: string; subject: string; departmentName: string; approved: boolean; newLead: string | null; reason: string | null };
  'extension-decided': { number: string; subject: string; departmentName: string; approved: boolean; until: Date | null; reason: string | null };
  'reply-sent-back': { number: string; subject: string; departmentName: string; deadline: Date | null; reason: string | null };
  /** To the requester. `surveyUrl` is the survey page with its single-use token in it. */
  'callback-survey': { number: string; surveyUrl: string; expiresAt: Date };
  /** To supervisors and department heads; `named`: how many are praised and named at most (fewer when few are ranked). */
  /** To administrators, 60 days before the statutory holidays run out: import the next year's State Council notice. */
  'calendar-ending': { until: string; daysLeft: number; nextYear: number; calendarUrl: string };
  'monthly-ranking': { month: string; named: number; rows: RankingRow[]; top: RankingRow[]; bottom: RankingRow[] };
  /** To the administrators: the workers turned a webhook subscription off after its receiver kept failing. */
  'webhook-disabled': { partner: string; url: string; failures: number; lastError: string | null; disabledAt: Date };
}
export type TemplateId = keyof TemplateData;

interface CatalogueEntry {
  channels: readonly NoticeChannel[];
  /** Handlebars, rendered with the same data as the body. */
  subject: Record<Locale, string>;
}

export const catalogue: { [I in TemplateId]: CatalogueEntry } = {
  'ticket-received': {
    channels: ['email', 'sms'],
    subject: { 'zh-CN': '您的诉求已受理（工单号 {{number}}）', en: 'Your request has been received (ticket {{number}})' },
  },
  'ticket-dispatched': {
    channels: ['email'],
    subject: { 'zh-CN': '【派单】工单 {{number}}：{{subject}}', en: '[Dispatch] Ticket {{number}}: {{subject}}' },
  },
  'ticket-urged': {
    channels: ['email'],
    subject: { 'zh-CN': '【催办】工单 {{number}}', en: '[Urged] Ticket {{number}}' },
  },
  'ticket-supervised': {
    channels: ['email'],
    subject: { 'zh-CN': '【督办】工单 {{number}}（{{departmentName}}）', en: '[Supervised] Ticket {{number}} ({{departmentName}})' },
  },
  'dispatch-withdrawn': {
    channels: ['email'],
    subject: { 'zh-CN': '【撤回派单】工单 {{number}}：{{subject}}', en: '[Dispatch withdrawn] Ticket {{number}}: {{subject}}' },
  },
  'return-decided': {
    channels: ['email'],
    subject: {
      'zh-CN': '工单 {{number}} 退单申请{{#if approved}}已通过{{else}}未通过{{/if}}',
      en: 'Ticket {{number}}: return {{#if approved}}approved{{else}}rejected{{/if}}',
    },
  },
  'extension-decided': {
    channels: ['email'],
    subject: {
      'zh-CN': '工单 {{number}} 延期申请{{#if approved}}已批准{{else}}未获批准{{/if}}',
      en: 'Ticket {{number}}: extension {{#if approved}}approved{{else}}denied{{/if}}',
    },
  },
  'reply-sent-back': {
    channels: ['email'],
    subject: { 'zh-CN': '工单 {{number}} 答复被退回', en: 'Ticket {{number}}: reply sent back' },
  },
  'callback-survey': {
    channels: ['email', 'sms'],
    subject: { 'zh-CN': '请评价工单 {{number}} 的办理结果', en: 'How did we do? Ticket {{number}}' },
  },
  'calendar-ending': {
    channels: ['email'],
    subject: { 'zh-CN': '【工作日历】{{nextYear}} 年节假日尚未导入', en: '[Working calendar] The {{nextYear}} holidays are not imported yet' },
  },
  'monthly-ranking': {
    channels: ['email'],
    subject: { 'zh-CN': '{{month}} 承办单位三率排名', en: 'Department ranking for {{month}}: the three rates' },
  },
  'webhook-disabled': {
    channels: ['email'],
    subject: { 'zh-CN': '【系统】{{partner}} 的 Webhook 推送已自动停用', en: '[System] Webhook deliveries to {{partner}} were turned off' },
  },
};

export const templateIds = Object.keys(catalogue) as TemplateId[];

const sampleDeadline = new Date('2026-03-09T09:30:00Z');
const sampleRow = (rank: number, department: string, score: number): RankingRow => ({
  rank, department, responseRate: 0.98, resolutionRate: 0.9123, satisfactionRate: 0.875, score,
});

/**
 * Made-up data for every template, for the administrators' preview. Typed by `TemplateData`, so a
 * template without a sample, or a sample missing a field, does not compile.
 */
export const sampleData: { [I in TemplateId]: TemplateData[I] } = {
  'ticket-received': { number: '20260302000001', subject: '楼道堆放杂物', followUrl: 'https://12345.example.gov.cn/portal/#/follow/20260302000001' },
  'ticket-dispatched': {
    number: '20260302000002', subject: '路灯不亮', category: '城市管理 › 市政设施 › 路灯', departmentName: '市城市管理委员会', lead: true,
    deadline: sampleDeadline, requester: { name: '王五', phone: '13900139000' },
  },
  'ticket-urged': { number: '20260302000003', subject: '噪音扰民', departmentName: '朝阳区望京街道', deadline: sampleDeadline, urgeCount: 2, reason: '已超过办理时限' },
  'ticket-supervised': { number: '20260302000004', subject: '占道经营', departmentName: '市交通委员会', deadline: sampleDeadline, reason: '超过办理时限一个工作日仍未办结' },
  'dispatch-withdrawn': { number: '20260302000009', subject: '公交站牌损坏', departmentName: '市住房和城乡建设委员会', reason: '应由市交通委员会办理' },
  'return-decided': { number: '20260302000005', subject: '非本单位职责', departmentName: '市住房和城乡建设委员会', approved: true, newLead: '市交通委员会', reason: '属交通委职责' },
  'extension-decided': { number: '20260302000006', subject: '老旧小区改造', departmentName: '市住房和城乡建设委员会', approved: true, until: new Date('2026-03-20T10:00:00Z'), reason: null },
  'reply-sent-back': { number: '20260302000007', subject: '供暖不热', departmentName: '市城市管理委员会', deadline: sampleDeadline, reason: '答复未回应诉求人的问题' },
  'callback-survey': { number: '20260302000008', surveyUrl: 'https://12345.example.gov.cn/portal/#/survey/tok-4f9a2c', expiresAt: new Date('2026-03-05T16:00:00Z') },
  'calendar-ending': { until: '2026-12-31', daysLeft: 29, nextYear: 2027, calendarUrl: 'https://12345.example.gov.cn/console/admin/#/calendar/2027-01' },
  'monthly-ranking': {
    month: '2026-02',
    named: 2,
    rows: [sampleRow(1, '市交通委员会', 95.2), sampleRow(2, '望京街道', 93.1), sampleRow(3, '市城市管理委员会', 90.4), sampleRow(4, '市住房和城乡建设委员会', 84.7)],
    top: [sampleRow(1, '市交通委员会', 95.2), sampleRow(2, '望京街道', 93.1)],
    bottom: [sampleRow(4, '市住房和城乡建设委员会', 84.7), sampleRow(3, '市城市管理委员会', 90.4)],
  },
  'webhook-disabled': {
    partner: '市交通委业务系统', url: 'https://jtw.example.gov.cn/hotline/events', failures: 12, lastError: 'HTTP 503', disabledAt: new Date('2026-03-02T08:15:00Z'),
  },
};
