/** zh-CN first; English for `?lang=en` or the toggle. */
const zh = {
  title: '12345 话务员软电话', logout: '退出', signIn: '登录', username: '用户名', password: '密码',
  ready: '就绪', notReady: '未就绪', afterCallWork: '话后处理', ringing: '振铃中', busy: '通话中', unknown: '未知',
  idle: '空闲', incoming: '来电', inCall: '通话中', onHold: '已保持', calling: '呼叫中', ended: '已结束',
  caller: '来电号码', callId: '通话编号', duration: '通话时长', packetsReceived: '已收包',
  answer: '接听', reject: '拒接', hold: '保持', resume: '恢复', mute: '静音', unmute: '取消静音', hangup: '挂断',
  transfer: '转接', transferTarget: '转接号码', transferToDepartment: '转接至联动单位…', dial: '外呼', number: '号码', earlierTickets: '历史工单', noTickets: '无历史工单',
  missedCalls: '漏接回拨', refresh: '刷新', noMissedCalls: '无漏接来电', callBack: '回拨',
  newTicket: '受理工单', phone: '诉求人电话', name: '诉求人姓名', requestType: '诉求类型', address: '地址', subject: '标题', content: '诉求内容',
  inquiry: '咨询', help: '求助', complaint: '投诉', report: '举报', suggestion: '建议', praise: '表扬',
  submitTicket: '提交工单', ticketCreated: '工单已受理', duplicates: '疑似重复工单',
  registered: '已注册', unregistered: '未注册', registering: '注册中', reconnecting: '重新连接中',
  errMicrophone: '无法使用麦克风：请在浏览器中允许本页使用麦克风。',
  errRegistration: '注册失败', errConnectionLost: '与电话服务器的连接已断开，正在重试', errNoTelephony: '电话服务未配置',
  errSignIn: '登录失败', errCall: '通话失败',
  resolvedOnCall: '直办（通话中已答复）', answerGiven: '答复内容', knowledgeSearch: '搜索知识库', search: '搜索', useAnswer: '引用',
  attachFiles: '照片或文件', filesUploaded: '已上传文件',
  resolvedOnCallDone: '已直办', noResults: '无结果', microphone: '麦克风', speaker: '扬声器', defaultDevice: '系统默认',
};
type Key = keyof typeof zh;
const en: Record<Key, string> = {
  title: '12345 operator softphone', logout: 'Sign out', signIn: 'Sign in', username: 'User name', password: 'Password',
  ready: 'Ready', notReady: 'Not ready', afterCallWork: 'After-call work', ringing: 'Ringing', busy: 'On a call', unknown: 'Unknown',
  idle: 'Idle', incoming: 'Incoming call', inCall: 'In call', onHold: 'On hold', calling: 'Calling', ended: 'Ended',
  caller: 'Caller', callId: 'Call id', duration: 'Duration', packetsReceived: 'packets received',
  answer: 'Answer', reject: 'Reject', hold: 'Hold', resume: 'Resume', mute: 'Mute', unmute: 'Unmute', hangup: 'Hang up',
  transfer: 'Transfer', transferTarget: 'Transfer to', transferToDepartment: 'Transfer to a department…', dial: 'Call', number: 'Number', earlierTickets: 'Earlier tickets', noTickets: 'No earlier tickets',
  missedCalls: 'Missed calls', refresh: 'Refresh', noMissedCalls: 'No missed calls', callBack: 'Call back',
  newTicket: 'New ticket', phone: 'Requester phone', name: 'Requester name', requestType: 'Request type', address: 'Address', subject: 'Subject', content: 'Request',
  inquiry: 'Inquiry', help: 'Help', complaint: 'Complaint', report: 'Report', suggestion: 'Suggestion', praise: 'Praise',
  submitTicket: 'Submit ticket', ticketCreated: 'Ticket created', duplicates: 'Possible duplicates',
  registered: 'Registered', unregistered: 'Not registered', registering: 'Registering', reconnecting: 'Reconnecting',
  errMicrophone: 'The microphone is not available: allow this page to use it in the browser.',
  errRegistration: 'Registration failed', errConnectionLost: 'Connection to the phone server lost; retrying', errNoTelephony: 'Telephony is not configured',
  errSignIn: 'Sign-in failed', errCall: 'Call failed',
  resolvedOnCall: 'Resolved on call', answerGiven: 'Answer given', knowledgeSearch: 'Search the knowledge base', search: 'Search', useAnswer: 'Use',
  attachFiles: 'Photos or files', filesUploaded: 'files uploaded',
  resolvedOnCallDone: 'resolved on call', noResults: 'No results', microphone: 'Microphone', speaker: 'Speaker', defaultDevice: 'System default',
};

export type MessageKey = Key;
export let lang: 'zh-CN' | 'en' = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'zh-CN';

export function t(key: Key): string {
  return (lang === 'en' ? en : zh)[key];
}

export function isMessageKey(key: string): key is Key {
  return key in zh;
}

/** Re-labels every `data-i18n` element and placeholder. */
export function applyLanguage(next: 'zh-CN' | 'en' = lang): void {
  lang = next;
  document.documentElement.lang = next;
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = element.dataset.i18n ?? '';
    if (isMessageKey(key)) element.textContent = t(key);
  }
  for (const element of document.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]')) {
    const key = element.dataset.i18nPlaceholder ?? '';
    if (isMessageKey(key)) element.placeholder = t(key);
  }
}
