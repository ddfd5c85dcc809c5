import '../shared/console.css';
import { messages } from '../shared/i18n.js';
import { startPublicPage } from '../shared/shell.js';

const m = messages({ title: '12345 市民服务' }, { title: '12345 citizen portal' });

startPublicPage(() => m.t('title'));
document.body.dataset.ready = 'true';
