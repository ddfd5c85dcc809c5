import '../shared/console.css';
import { messages } from '../shared/i18n.js';
import { startConsole } from '../shared/shell.js';

const m = messages({ title: '12345 系统管理' }, { title: '12345 department admin' });

void startConsole('admin', () => m.t('title'), (main) => {
  main.replaceChildren();
});
