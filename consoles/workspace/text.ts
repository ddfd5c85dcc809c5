import { messages } from '../shared/i18n.js';

/** Every word of the department workspace, in the hotline's words (CONTEXT.md). */
export const m = messages(
  {
    title: '12345 承办工作台',
    // Inbox
    inbox: '本部门工单', filters: '筛选', state: '状态', openTickets: '未办结', allStates: '全部',
    warning: '红黄牌', any: '不限', red: '红牌', yellow: '黄牌', noWarning: '无',
    urgency: '紧急程度', urgent: '紧急', normal: '一般',
    department: '部门', ownDepartment: '本部门（含下级）', withBelow: '{name}（含下级）',
    sort: '排序', newest: '最新派单', due: '期限最近',
    apply: '筛选', search: '搜索工单', searchHint: '标题或内容中的词语', searchButton: '搜索', clearSearch: '返回列表',
    searchResults: '“{q}”的搜索结果', loadMore: '加载更多', noTickets: '没有符合条件的工单。',
    number: '工单号', subject: '标题', part: '本部门承办', lead: '主办', assist: '协办', dueAt: '办理期限', timeLeft: '剩余工作时间',
    liveOpen: '实时更新已连接', liveConnecting: '正在连接实时更新…', liveClosed: '实时更新已断开，请刷新页面',
    newAssignment: '新派工单：{number} {subject}',
    // Ticket page
    back: '返回工单列表', facts: '工单信息', channel: '渠道', requestType: '诉求类型', category: '诉求分类', createdAt: '受理时间',
    location: '地点', content: '诉求内容', attachments: '附件', infoRequested: '已一次性告知需补充的材料', infoReceived: '已于 {at} 补齐',
    pendingExtension: '延期申请待审批：至 {until}（{reason}）', urged: '已催办 {count} 次', supervised: '已督办',
    requester: '诉求人', name: '姓名', phone: '电话', email: '邮箱', address: '地址',
    confidential: '保密', confidentialNote: '诉求人要求保密：姓名、电话和邮箱仅 12345 热线中心可见，如需联系请经热线中心。',
    parts: '承办单位', role: '承办方式', partState: '状态', acceptDue: '签收期限', replyDue: '答复期限', reply: '答复', paused: '已暂停',
    ours: '本部门', history: '办理经过', at: '时间', actor: '操作人', action: '操作', change: '状态变化', reason: '原因', details: '内容',
    noActions: '本部门现在对此工单没有可办理的操作。', actions: '办理',
    notOpened: '无法打开此工单（{status}）：{message}',
    notOursHint: '工单不存在，或不由本部门及下级部门办理。',
    // Actions
    a_accept: '签收', a_request_info: '补充材料（一次性告知）', a_receive_info: '材料已补齐', a_interim_reply: '阶段性答复',
    a_reply: '答复办结', a_return: '退单', a_request_extension: '申请延期',
    f_items: '需补充的材料（每行一项，一次列全）', f_note: '说明（选填）', f_interim: '阶段性答复内容', f_reply: '答复内容（办理结果）',
    f_returnReason: '退单原因', f_until: '延期至（北京时间）', f_extensionReason: '延期原因',
    acceptHint: '签收即确认本部门已收到此工单。', requestInfoHint: '只能告知一次，请一次列出所有缺少的材料；等待期间办理时限暂停。',
    done: '已提交：{action}（工单 {number}）', refused: '{status} {code}：{message}', working: '正在提交…',
    // Words of the domain
    s_received: '待派单', s_dispatched: '待签收', s_in_handling: '办理中', s_waiting_info: '待补充材料', s_returned: '已退单',
    s_replied: '已答复待审核', s_awaiting_callback: '待回访', s_closed: '已回访', s_archived: '已归档', s_merged: '已并单', s_cancelled: '已作废',
    p_dispatched: '待签收', p_accepted: '已签收', p_replied: '已答复', p_released: '已解除协办', p_returned: '已退单', p_withdrawn: '已撤回',
    h_intake: '受理', h_resolve_on_call: '直办', h_propose_routing: '分派建议', h_dispatch: '派单', h_undo_auto_dispatch: '撤回自动派单', h_accept: '签收', h_request_info: '补充材料（一次性告知）',
    h_receive_info: '材料已补', h_interim_reply: '阶段性答复', h_reply: '答复', h_release_assist: '解除协办', h_approve_reply: '审核通过', h_send_back: '驳回',
    h_return: '退单', h_approve_return: '同意退单', h_reject_return: '不同意退单', h_redispatch: '改派', h_request_extension: '延期申请',
    h_approve_extension: '同意延期', h_deny_extension: '不同意延期', h_warn: '红黄牌预警', h_send_survey: '发送满意度调查', h_urge: '催办', h_supervise: '督办',
    h_callback: '回访', h_reopen: '重办', h_requester_message: '诉求人来信补充', h_archive: '归档', h_merge: '并单', h_cancel: '作废',
    t_inquiry: '咨询', t_help: '求助', t_complaint: '投诉', t_report: '举报', t_suggestion: '建议', t_praise: '表扬',
    c_phone: '电话', c_web: '网站', c_app: '移动应用', c_sms: '短信', c_email: '电子邮件', c_open311: 'Open311', c_mailbox: '市长信箱', c_online: '网民留言', c_import: '导入',
    left: '剩 {time}', overdue: '超期 {time}', hours: '{h} 小时 {m} 分', minutesOnly: '{m} 分',
    items: '材料：{items}', until: '延期至 {until}', lead_is: '主办：{lead}', assists_are: '协办：{assists}', level: '级别：{level}',
  },
  {
    title: '12345 department workspace',
    inbox: "Our department's tickets", filters: 'Filters', state: 'State', openTickets: 'Open', allStates: 'All',
    warning: 'Warning', any: 'Any', red: 'Red', yellow: 'Yellow', noWarning: 'None',
    urgency: 'Urgency', urgent: 'Urgent', normal: 'Normal',
    department: 'Department', ownDepartment: 'Ours (and below)', withBelow: '{name} (and below)',
    sort: 'Order', newest: 'Newest dispatch', due: 'Nearest deadline',
    apply: 'Filter', search: 'Search tickets', searchHint: 'Words of the subject or content', searchButton: 'Search', clearSearch: 'Back to the list',
    searchResults: 'Results for “{q}”', loadMore: 'Load more', noTickets: 'No tickets match.',
    number: 'Number', subject: 'Subject', part: 'Our part', lead: 'Lead', assist: 'Assisting', dueAt: 'Deadline', timeLeft: 'Working time left',
    liveOpen: 'Live updates on', liveConnecting: 'Connecting live updates…', liveClosed: 'Live updates stopped; reload the page',
    newAssignment: 'New ticket: {number} {subject}',
    back: 'Back to the tickets', facts: 'Ticket', channel: 'Channel', requestType: 'Request type', category: 'Category', createdAt: 'Received',
    location: 'Place', content: 'Request', attachments: 'Attachments', infoRequested: 'Information requested (one-time notice)', infoReceived: 'Received {at}',
    pendingExtension: 'Extension request awaiting decision: until {until} ({reason})', urged: 'Urged {count} times', supervised: 'Supervised',
    requester: 'Requester', name: 'Name', phone: 'Phone', email: 'E-mail', address: 'Address',
    confidential: 'Confidential', confidentialNote: 'The requester asked for confidentiality: name, phone and e-mail are visible to the 12345 centre only; contact them through the centre.',
    parts: 'Departments', role: 'Role', partState: 'State', acceptDue: 'Accept by', replyDue: 'Reply by', reply: 'Reply', paused: 'Paused',
    ours: 'ours', history: 'History', at: 'Time', actor: 'By', action: 'Action', change: 'State', reason: 'Reason', details: 'Details',
    noActions: 'Our department has nothing to do on this ticket now.', actions: 'Handle',
    notOpened: 'This ticket cannot be opened ({status}): {message}',
    notOursHint: "The ticket does not exist, or it is neither your department's nor one below it.",
    a_accept: 'Accept', a_request_info: 'Request information (one-time notice)', a_receive_info: 'Information received', a_interim_reply: 'Interim reply',
    a_reply: 'Reply', a_return: 'Return', a_request_extension: 'Request extension',
    f_items: 'Missing information (one item a line, all at once)', f_note: 'Note (optional)', f_interim: 'Interim reply', f_reply: 'Reply (the result)',
    f_returnReason: 'Why it is not ours', f_until: 'New deadline (China time)', f_extensionReason: 'Why more time is needed',
    acceptHint: 'Accepting confirms our department has the ticket.', requestInfoHint: 'Allowed once: list everything missing; the clock pauses while waiting.',
    done: 'Done: {action} (ticket {number})', refused: '{status} {code}: {message}', working: 'Sending…',
    s_received: 'To dispatch', s_dispatched: 'To accept', s_in_handling: 'In handling', s_waiting_info: 'Waiting for information', s_returned: 'Returned',
    s_replied: 'Replied, in review', s_awaiting_callback: 'Awaiting callback', s_closed: 'Called back', s_archived: 'Archived', s_merged: 'Merged', s_cancelled: 'Cancelled',
    p_dispatched: 'To accept', p_accepted: 'Accepted', p_replied: 'Replied', p_released: 'Released', p_returned: 'Returned', p_withdrawn: 'Withdrawn',
    h_intake: 'Intake', h_resolve_on_call: 'Resolved on call', h_propose_routing: 'Routing proposed', h_dispatch: 'Dispatch', h_undo_auto_dispatch: 'Automatic dispatch undone', h_accept: 'Accept', h_request_info: 'Request information',
    h_receive_info: 'Information received', h_interim_reply: 'Interim reply', h_reply: 'Reply', h_release_assist: 'Assist released', h_approve_reply: 'Reply approved', h_send_back: 'Sent back',
    h_return: 'Return', h_approve_return: 'Return approved', h_reject_return: 'Return rejected', h_redispatch: 'Re-dispatch', h_request_extension: 'Extension request',
    h_approve_extension: 'Extension approved', h_deny_extension: 'Extension denied', h_warn: 'Warning', h_send_survey: 'Survey sent', h_urge: 'Urge', h_supervise: 'Supervise',
    h_callback: 'Callback', h_reopen: 'Reopen', h_requester_message: 'Requester wrote again', h_archive: 'Archive', h_merge: 'Merge', h_cancel: 'Cancel',
    t_inquiry: 'Inquiry', t_help: 'Help', t_complaint: 'Complaint', t_report: 'Report', t_suggestion: 'Suggestion', t_praise: 'Praise',
    c_phone: 'Phone', c_web: 'Web', c_app: 'App', c_sms: 'SMS', c_email: 'E-mail', c_open311: 'Open311', c_mailbox: "Mayor's mailbox", c_online: 'Online message', c_import: 'Import',
    left: '{time} left', overdue: 'overdue {time}', hours: '{h} h {m} min', minutesOnly: '{m} min',
    items: 'Items: {items}', until: 'Until {until}', lead_is: 'Lead: {lead}', assists_are: 'Assisting: {assists}', level: 'Level: {level}',
  },
);
export type Key = Parameters<typeof m.t>[0];

/** The text of a code (`s_` + a state…); a code newer than this console shows as itself. */
export function word(prefix: 's' | 'p' | 'h' | 't' | 'c' | 'a', code: string): string {
  try {
    return m.t(`${prefix}_${code}` as Key);
  } catch {
    return code;
  }
}

/** Working time left, in hours and minutes: a working day is not 24 hours, so never in days. */
export function workingTime(minutesLeft: number | null): string {
  if (minutesLeft === null) return '–';
  const total = Math.abs(minutesLeft);
  const time = total >= 60 ? m.t('hours', { h: Math.floor(total / 60), m: total % 60 }) : m.t('minutesOnly', { m: total });
  return minutesLeft < 0 ? m.t('overdue', { time }) : m.t('left', { time });
}
