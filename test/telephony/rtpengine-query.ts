import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { withTimeout } from '../helpers/sip-user-agent.js';

/** A bencoded value as rtpengine's ng protocol sends it (strings stay byte strings read as latin1). */
type Bencoded = string | number | Bencoded[] | { [key: string]: Bencoded };

function bencode(value: Bencoded): string {
  if (typeof value === 'number') return `i${value}e`;
  if (typeof value === 'string') return `${Buffer.byteLength(value, 'latin1')}:${value}`;
  if (Array.isArray(value)) return `l${value.map(bencode).join('')}e`;
  return `d${Object.keys(value).sort().map((key) => bencode(key) + bencode(value[key]!)).join('')}e`;
}

function bdecode(text: string): Bencoded {
  let at = 0;
  const read = (): Bencoded => {
    const head = text[at];
    if (head === 'i') {
      const end = text.indexOf('e', at);
      const number = Number(text.slice(at + 1, end));
      at = end + 1;
      return number;
    }
    if (head === 'l' || head === 'd') {
      at += 1;
      const items: Bencoded[] = [];
      while (text[at] !== 'e') items.push(read());
      at += 1;
      if (head === 'l') return items;
      const dict: Record<string, Bencoded> = {};
      for (let i = 0; i < items.length; i += 2) dict[String(items[i])] = items[i + 1]!;
      return dict;
    }
    const colon = text.indexOf(':', at);
    const length = Number(text.slice(at, colon));
    const value = text.slice(colon + 1, colon + 1 + length);
    at = colon + 1 + length;
    return value;
  };
  return read();
}

/** One ng command to rtpengine over UDP; resolves with its bencoded answer, decoded. */
async function ngCommand(port: number, command: Record<string, Bencoded>, host = '127.0.0.1'): Promise<Record<string, Bencoded>> {
  const socket = createSocket('udp4');
  const cookie = randomBytes(6).toString('hex');
  try {
    const answer = new Promise<Record<string, Bencoded>>((resolve) =>
      socket.on('message', (message) => {
        const text = message.toString('latin1');
        if (text.startsWith(`${cookie} `)) resolve(bdecode(text.slice(cookie.length + 1)) as Record<string, Bencoded>);
      }),
    );
    socket.send(`${cookie} ${bencode(command)}`, port, host);
    return await withTimeout(answer, 2000, `rtpengine's answer to ${String(command.command)}`);
  } finally {
    socket.close();
  }
}

export interface RelayedLeg {
  /** The leg's From/To tag in the call. */
  tag: string;
  /** The transport protocol rtpengine speaks with that end: "RTP/AVP", "UDP/TLS/RTP/SAVPF", … */
  protocol: string;
  codec: string;
  /** The media's flags: "ICE", "DTLS-SRTP", "rtcp-mux", … */
  flags: string[];
  /** RTP packets rtpengine received from that end. */
  packetsReceived: number;
}

/** What rtpengine relayed for a call, per leg: `query` answers totals per tag, media and stream. */
export async function relayedLegs(ngPort: number, callId: string): Promise<RelayedLeg[]> {
  const answer = await ngCommand(ngPort, { command: 'query', 'call-id': callId });
  if (answer.result !== 'ok') throw new Error(`rtpengine query for ${callId}: ${JSON.stringify(answer)}`);
  type Media = { protocol?: string; codec?: string; flags?: string[]; streams?: { stats?: { packets?: number } }[] };
  const tags = answer.tags as Record<string, { tag: string; medias?: Media[] }>;
  return Object.values(tags).map((leg) => ({
    tag: leg.tag,
    protocol: String(leg.medias?.[0]?.protocol ?? ''),
    codec: String(leg.medias?.[0]?.codec ?? ''),
    flags: (leg.medias?.[0]?.flags ?? []).map(String),
    // Only the first stream per media counts: with rtcp-mux-demux the second one carries RTCP.
    packetsReceived: Number(leg.medias?.[0]?.streams?.[0]?.stats?.packets ?? 0),
  }));
}
