import { ApiError, upload } from './api.js';
import { h } from './dom.js';
import { dateTime } from './format.js';
import { lang, messages, type Lang } from './i18n.js';

/** GET …/attachments: what the API tells of a ticket's file. */
export interface AttachmentItem {
  id: string;
  name: string;
  /** null: an e-mail's file, kept as it came and downloaded as bytes. */
  kind: 'image' | 'document' | null;
  contentType: string;
  size: number;
  hasThumbnail: boolean;
  source: 'requester' | 'staff' | 'email';
  uploadedBy: string | null;
  createdAt: string;
}

/** Where one ticket's files are, for staff (session) or the requester (number and phone). */
export interface FileRoutes {
  list: string;
  upload(name: string): string;
  file(id: string, variant: 'file' | 'thumbnail'): string;
}

export const staffFileRoutes = (ticketId: string): FileRoutes => {
  const base = `/api/tickets/${ticketId}/attachments`;
  return { list: base, upload: (name) => `${base}?name=${encodeURIComponent(name)}`, file: (id, variant) => `${base}/${id}${variant === 'thumbnail' ? '/thumbnail' : ''}` };
};

export const requesterFileRoutes = (number: string, phone: string): FileRoutes => {
  const base = `/api/public/tickets/${number}/attachments`;
  const credentials = `phone=${encodeURIComponent(phone)}`;
  return {
    list: `${base}?${credentials}`,
    upload: (name) => `${base}?${credentials}&name=${encodeURIComponent(name)}`,
    file: (id, variant) => `${base}/${id}${variant === 'thumbnail' ? '/thumbnail' : ''}?${credentials}`,
  };
};

const zh = {
  files: '照片和附件', noFiles: '暂无照片或附件', addFiles: '添加照片或文件',
  filesHint: '可上传照片（JPEG、PNG、WebP）、PDF、Word 或 Excel 文件。照片中的位置等信息会被去除。',
  uploading: '正在上传 {name}…', uploaded: '已上传 {count} 个文件。', byRequester: '诉求人上传',
  tooLarge: '{name}：文件太大（上限 {max} MB）。', typeRefused: '{name}：不支持此类文件。只能上传照片（JPEG、PNG、WebP）、PDF、Word 或 Excel 文件。',
  unreadable: '{name}：图片已损坏，无法读取。', empty: '{name}：文件是空的。', closed: '{name}：现在不能再添加文件（提交后不久，或承办单位请您补充材料时可以添加）。',
  tooMany: '{name}：此工单的文件已达上限。', failed: '{name}：上传失败（{message}）。',
};
const en: Record<keyof typeof zh, string> = {
  files: 'Photos and files', noFiles: 'No photos or files yet', addFiles: 'Add photos or files',
  filesHint: 'Photos (JPEG, PNG, WebP), PDF, Word or Excel files. Location and other details are removed from photos.',
  uploading: 'Uploading {name}…', uploaded: '{count} file(s) uploaded.', byRequester: 'from the requester',
  tooLarge: '{name}: the file is too large (at most {max} MB).', typeRefused: '{name}: this kind of file is not accepted. Only photos (JPEG, PNG, WebP), PDF, Word or Excel files.',
  unreadable: '{name}: the image is damaged and cannot be read.', empty: '{name}: the file is empty.', closed: '{name}: files cannot be added now (soon after submitting, or when the department asks you for information).',
  tooMany: '{name}: this ticket has as many files as it may keep.', failed: '{name}: upload failed ({message}).',
};
const m = messages(zh, en);

/** Why the API refused a file, in the user's words; `to` for pages that keep their own language setting (the softphone). */
export function refusalText(name: string, error: unknown, to: Lang = lang()): string {
  const words = { t: (key: keyof typeof zh, values: Record<string, string | number>) => (to === 'en' ? en : zh)[key].replace(/\{(\w+)\}/g, (_, k: string) => String(values[k])) };
  if (!(error instanceof ApiError)) return words.t('failed', { name, message: error instanceof Error ? error.message : String(error) });
  const details = (error.details ?? {}) as { maxBytes?: number };
  switch (error.code) {
    case 'ATTACHMENT_TOO_LARGE': return words.t('tooLarge', { name, max: Math.round((details.maxBytes ?? 10_485_760) / 1_048_576) });
    case 'ATTACHMENT_TYPE_REFUSED': return words.t('typeRefused', { name });
    case 'ATTACHMENT_UNREADABLE': return words.t('unreadable', { name });
    case 'ATTACHMENT_EMPTY': return words.t('empty', { name });
    case 'ATTACHMENTS_CLOSED': return words.t('closed', { name });
    case 'ATTACHMENT_LIMIT_REACHED': return words.t('tooMany', { name });
    default: return words.t('failed', { name, message: error.message });
  }
}

/** Sends the files one by one; a refused file does not stop the others. */
export async function uploadFiles(routes: Pick<FileRoutes, 'upload'>, files: Iterable<File>, progress: (name: string) => void = () => {}) {
  const uploaded: AttachmentItem[] = [];
  const refused: { name: string; error: unknown }[] = [];
  for (const file of files) {
    progress(file.name);
    try {
      uploaded.push(await upload<AttachmentItem>(routes.upload(file.name), file));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) throw error;
      refused.push({ name: file.name, error });
    }
  }
  return { uploaded, refused };
}

/** The file control of a form: photos from the camera or the gallery, PDF and Office files. */
export function fileInput(id: string): HTMLInputElement {
  return h('input', { id, name: 'files', type: 'file', multiple: true, accept: 'image/jpeg,image/png,image/webp,image/avif,image/*,application/pdf,.docx,.xlsx' });
}

const sizeText = (bytes: number) => (bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);

/** A ticket's photos (thumbnails linking to the full image) and files, and a control to add more. */
export class FilesPanel {
  readonly element = h('section', { class: 'card files', 'aria-labelledby': 'files-title' });
  private items: AttachmentItem[] = [];
  private status = '';
  private problems: string[] = [];
  private busy = false;

  constructor(private readonly routes: FileRoutes, private readonly canAdd: boolean) {}

  async load(): Promise<void> {
    const res = await fetch(this.routes.list, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
    if (!res.ok) throw new ApiError(res.status, String(res.status), res.statusText);
    this.items = ((await res.json()) as { items: AttachmentItem[] }).items;
    this.draw();
  }

  draw(): void {
    const input = fileInput('files-add');
    input.disabled = this.busy;
    input.addEventListener('change', () => void this.add([...(input.files ?? [])]));
    const parts: (HTMLElement | null)[] = [
      h('h3', { id: 'files-title' }, m.t('files')),
      this.items.length
        ? h('ul', { class: 'file-list', id: 'files' }, ...this.items.map((item) => this.itemOf(item)))
        : h('p', { class: 'empty', id: 'files' }, m.t('noFiles')),
      this.canAdd ? h('div', { class: 'file-add' },
        h('label', { for: 'files-add' }, m.t('addFiles')), h('p', { class: 'hint muted' }, m.t('filesHint')), input) : null,
      this.status ? h('p', { class: 'muted', role: 'status', id: 'files-status' }, this.status) : null,
      ...this.problems.map((problem) => h('p', { class: 'file-refused', role: 'alert' }, problem)),
    ];
    this.element.replaceChildren(...parts.filter((part) => part !== null));
  }

  private itemOf(item: AttachmentItem): HTMLElement {
    const href = this.routes.file(item.id, 'file');
    const label = `${item.name} · ${sizeText(item.size)} · ${dateTime(item.createdAt)}${item.source !== 'staff' ? ` · ${m.t('byRequester')}` : item.uploadedBy ? ` · ${item.uploadedBy}` : ''}`;
    return h('li', { 'data-id': item.id, 'data-kind': item.kind },
      h('a', { href, target: '_blank', rel: 'noopener', download: item.kind === 'image' ? null : item.name },
        item.hasThumbnail ? h('img', { src: this.routes.file(item.id, 'thumbnail'), alt: item.name, loading: 'lazy' }) : h('span', { class: 'file-icon', 'aria-hidden': 'true' }, item.name.split('.').pop()?.toUpperCase() ?? ''),
        h('span', { class: 'file-name' }, label)));
  }

  private async add(files: File[]): Promise<void> {
    if (!files.length) return;
    this.busy = true;
    this.problems = [];
    const { uploaded, refused } = await uploadFiles(this.routes, files, (name) => {
      this.status = m.t('uploading', { name });
      this.draw();
    }).finally(() => (this.busy = false));
    this.status = uploaded.length ? m.t('uploaded', { count: uploaded.length }) : '';
    this.problems = refused.map(({ name, error }) => refusalText(name, error));
    this.items = [...this.items, ...uploaded];
    this.draw();
  }
}
