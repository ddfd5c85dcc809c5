import '../shared/console.css';
import { messages } from '../shared/i18n.js';
import { startConsole } from '../shared/shell.js';

const m = messages({ title: '12345 派单与督办' }, { title: '12345 department supervisor' });

void startConsole('supervisor', () => m.t('title'), (main) => {
  main.replaceChildren();
});
