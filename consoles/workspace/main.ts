import '../shared/console.css';
import { messages } from '../shared/i18n.js';
import { startConsole } from '../shared/shell.js';

const m = messages({ title: '12345 承办工作台' }, { title: '12345 department workspace' });

void startConsole('workspace', () => m.t('title'), (main) => {
  main.replaceChildren();
});
