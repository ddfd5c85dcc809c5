import { connect } from 'node:net';

/** Something the system needs to do its work, and a quick way to ask whether it answers. */
export interface DependencyCheck {
  name: string;
  answers(): Promise<boolean>;
}

export type DependencyState = 'up' | 'down';

/**
 * Asks every dependency at once; one that has not answered within `timeoutMs` counts as down, so
 * a hung dependency cannot hang readiness.
 */
export async function checkDependencies(checks: DependencyCheck[], timeoutMs = 2000): Promise<Record<string, DependencyState>> {
  const states = await Promise.all(
    checks.map(async (check) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      try {
        const up = await Promise.race([check.answers().catch(() => false), timeout]);
        return [check.name, up ? 'up' : 'down'] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(states);
}

/** A TCP connection is accepted (an SMTP server, an HTTP gateway): cheap, and logs nobody in. */
export function tcpAccepts(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
