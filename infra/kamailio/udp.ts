import { createSocket, type Socket } from 'node:dgram';

/** A UDP socket of the host's address family. */
export const udpSocket = (host: string): Socket => createSocket(host.includes(':') ? 'udp6' : 'udp4');

/**
 * Sends one datagram from a fresh local port and waits briefly for the answer: whether a server
 * on `host:port` is up and answering. `request` gets the local port (SIP's Via names it).
 */
export function udpAnswers(host: string, port: number, request: (localPort: number) => string, answered: (reply: string) => boolean, timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = udpSocket(host);
    const timer = setTimeout(() => finish(false), timeoutMs);
    function finish(ok: boolean) {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    }
    socket.on('error', () => finish(false));
    socket.on('message', (message) => finish(answered(message.toString('latin1'))));
    socket.bind(0, host, () => socket.send(request(socket.address().port), port, host));
  });
}

/** A UDP port the kernel has free now. A small race remains until the caller binds it. */
export function freeUdpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = udpSocket(host);
    socket.once('error', reject);
    socket.bind(0, host, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

export function udpPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = udpSocket(host);
    socket.once('error', () => resolve(false));
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}
