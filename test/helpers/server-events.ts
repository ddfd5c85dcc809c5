/** One server-sent event as the live feed sends it: a name and JSON data. */
export interface ServerEvent {
  event: string;
  data: unknown;
}

/** Collects the events of a `text/event-stream` fed to it chunk by chunk, and waits for one. */
export class ServerEvents {
  readonly events: ServerEvent[] = [];
  private buffer = '';

  add(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const field = (name: string) => block.split('\n').find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
      const event = field('event');
      if (event) this.events.push({ event, data: JSON.parse(field('data') ?? 'null') });
    }
  }

  /** The first event so far that matches, or the next to arrive within the time. */
  async next(predicate: (e: ServerEvent) => boolean, timeoutMs: number): Promise<ServerEvent> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (Date.now() > until) throw new Error(`no such event within ${timeoutMs} ms in ${JSON.stringify(this.events)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
