import { messages } from '../shared/i18n.js';

export const m = messages(
  {
    title: '12345 派单与督办',
    sections: '工作区', queue: '待派单', decisions: '退单与延期', review: '审核答复', oversee: '催办督办', dashboard: '看板', tickets: '工单列表',
    refresh: '刷新', empty: '没有需要处理的工单。', loading: '加载中…', more: '加载更多', select: '选择工单',
    number: '工单号', subject: '主题', state: '状态', channel: '渠道', category: '分类', warning: '红黄牌', created: '受理时间', due: '答复期限', lead: '主办单位',
    content: '诉求内容', address: '地点', urgency: '紧急程度', urgent: '紧急', normal: '一般',
    suggestions: '推荐派单（前三）', confidence: '置信度', noSuggestions: '暂无推荐。', dispatchTo: '派给 {name}（{confidence}）',
    pickDepartment: '主办单位', assists: '协办单位（可多选）', dispatch: '派单',
    autoDispatched: '自动派单（可撤回）', undoAutoDispatch: '撤回自动派单', keyHint: '快捷键：↑/↓ 选择工单，1–3 派给推荐单位，Enter 打开。',
    returnReason: '退单理由', extension: '延期申请', extensionUntil: '申请延至', extensionReason: '延期理由',
    approveReturn: '同意退单并改派', rejectReturn: '不同意退单', approveExtension: '同意延期', denyExtension: '不同意延期',
    reply: '答复内容', approveReply: '审核通过', sendBack: '驳回', reason: '理由', reasonRequired: '请填写理由。',
    urge: '催办', supervise: '督办', urgeCount: '已催办 {count} 次', supervised: '已督办',
    done: '已完成：{action}', returnedTickets: '待审批退单', extensionTickets: '待审批延期', replies: '待审核答复', overdueTickets: '超期（红牌）工单',
    period: '统计期间', from: '开始日期', to: '结束日期', apply: '查询', today: '今日', last7: '近 7 天', last30: '近 30 天', thisMonth: '本月',
    exportCsv: '导出 CSV', serverTime: '服务器用时 {ms} 毫秒',
    intakeToday: '今日受理', intakeByHour: '今日受理（按小时与渠道）', hour: '时段', total: '合计', dispatchQueue: '待派单', overdue: '超期',
    openByDepartment: '各单位在办与超期', department: '单位', open: '在办',
    rates: '三率与综合得分', rank: '排名', response: '响应率', resolution: '解决率', satisfaction: '满意率', composite: '综合得分', dispatched: '派单数',
    topThree: '前三', bottomThree: '后三',
    hotspots: '热点（与上一期间相比）', hotCategories: '分类', hotStreets: '街道', hotWords: '关键词', count: '本期', previous: '上期', rise: '增加',
    operators: '话务员', operator: '话务员', answered: '接听', answerTime: '平均应答（秒）', handleTime: '平均处理（秒）', resolvedOnCall: '直办率',
    noData: '无数据', backToDashboard: '返回看板', listOf: '工单：{what}', search: '关键词',
    state_received: '待派单', state_dispatched: '已派单', state_in_handling: '办理中', state_waiting_info: '待补充材料', state_returned: '退单待审',
    state_replied: '已答复待审核', state_awaiting_callback: '待回访', state_closed: '已回访', state_archived: '已归档', state_merged: '已并单', state_cancelled: '已作废',
    channel_phone: '电话', channel_web: '网站', channel_app: 'App', channel_sms: '短信', channel_email: '邮件', channel_open311: 'Open311',
    channel_mailbox: '市长信箱', channel_online: '网民留言', channel_import: '导入',
    warning_none: '正常', warning_yellow: '黄牌', warning_red: '红牌',
  },
  {
    title: '12345 dispatch and supervision',
    sections: 'Work areas', queue: 'Dispatch queue', decisions: 'Returns and extensions', review: 'Review replies', oversee: 'Urge and supervise', dashboard: 'Dashboard', tickets: 'Tickets',
    refresh: 'Refresh', empty: 'Nothing waiting.', loading: 'Loading…', more: 'Load more', select: 'Select ticket',
    number: 'Number', subject: 'Subject', state: 'State', channel: 'Channel', category: 'Category', warning: 'Warning', created: 'Received', due: 'Reply due', lead: 'Lead department',
    content: 'Request', address: 'Place', urgency: 'Urgency', urgent: 'Urgent', normal: 'Normal',
    suggestions: 'Suggested departments (top three)', confidence: 'Confidence', noSuggestions: 'No suggestions yet.', dispatchTo: 'Dispatch to {name} ({confidence})',
    pickDepartment: 'Lead department', assists: 'Assisting departments', dispatch: 'Dispatch',
    autoDispatched: 'Dispatched automatically (may be undone)', undoAutoDispatch: 'Undo the automatic dispatch', keyHint: 'Keys: ↑/↓ select a ticket, 1–3 dispatch to a suggestion, Enter opens.',
    returnReason: 'Reason for the return', extension: 'Extension request', extensionUntil: 'Until', extensionReason: 'Reason',
    approveReturn: 'Approve the return and re-dispatch', rejectReturn: 'Reject the return', approveExtension: 'Approve the extension', denyExtension: 'Deny the extension',
    reply: 'Reply', approveReply: 'Approve', sendBack: 'Send back', reason: 'Reason', reasonRequired: 'Give a reason.',
    urge: 'Urge', supervise: 'Supervise', urgeCount: 'Urged {count} times', supervised: 'Supervised',
    done: 'Done: {action}', returnedTickets: 'Returns to decide', extensionTickets: 'Extensions to decide', replies: 'Replies to review', overdueTickets: 'Overdue (red) tickets',
    period: 'Period', from: 'From', to: 'To', apply: 'Show', today: 'Today', last7: 'Last 7 days', last30: 'Last 30 days', thisMonth: 'This month',
    exportCsv: 'Export CSV', serverTime: 'Server time {ms} ms',
    intakeToday: 'Intake today', intakeByHour: 'Intake today by hour and channel', hour: 'Hour', total: 'Total', dispatchQueue: 'Waiting for dispatch', overdue: 'Overdue',
    openByDepartment: 'Open and overdue by department', department: 'Department', open: 'Open',
    rates: 'The three rates and the composite score', rank: 'Rank', response: 'Response', resolution: 'Resolution', satisfaction: 'Satisfaction', composite: 'Composite', dispatched: 'Dispatched',
    topThree: 'Top three', bottomThree: 'Bottom three',
    hotspots: 'Hotspots (against the previous period)', hotCategories: 'Categories', hotStreets: 'Streets', hotWords: 'Words', count: 'This period', previous: 'Previous', rise: 'Rise',
    operators: 'Operators', operator: 'Operator', answered: 'Answered', answerTime: 'Avg. answer (s)', handleTime: 'Avg. handling (s)', resolvedOnCall: 'Resolved on call',
    noData: 'No data', backToDashboard: 'Back to the dashboard', listOf: 'Tickets: {what}', search: 'Keyword',
    state_received: 'Waiting for dispatch', state_dispatched: 'Dispatched', state_in_handling: 'In handling', state_waiting_info: 'Waiting for information', state_returned: 'Returned',
    state_replied: 'Replied', state_awaiting_callback: 'Awaiting callback', state_closed: 'Called back', state_archived: 'Archived', state_merged: 'Merged', state_cancelled: 'Cancelled',
    channel_phone: 'Phone', channel_web: 'Web', channel_app: 'App', channel_sms: 'SMS', channel_email: 'E-mail', channel_open311: 'Open311',
    channel_mailbox: "Mayor's mailbox", channel_online: 'Online message', channel_import: 'Import',
    warning_none: 'None', warning_yellow: 'Yellow', warning_red: 'Red',
  },
);

export type MessageKey = Parameters<typeof m.t>[0];

/** A value's label, e.g. `state_in_handling`. */
export function label(prefix: 'state' | 'channel' | 'warning', value: string): string {
  return m.t(`${prefix}_${value}` as MessageKey);
}
