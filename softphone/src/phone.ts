import {
  Invitation, Inviter, Registerer, RegistererState, SessionState, UserAgent, type Session, type Web,
} from 'sip.js';
import type { SipCredentials } from './api.js';

export type RegistrationState = 'unregistered' | 'registering' | 'registered' | 'reconnecting';

export interface PhoneEvents {
  registration(state: RegistrationState, error?: string): void;
  incoming(call: Call): void;
}

export interface AudioStats {
  codec?: string;
  packetsSent: number;
  packetsReceived: number;
  packetsLost: number;
  jitterMs?: number;
  roundTripMs?: number;
}

let microphoneId = '';

/** The microphone for the next call ('' = the system default). */
export function setMicrophone(deviceId: string): void {
  microphoneId = deviceId;
}

const audioOnly = () => ({ constraints: { audio: microphoneId ? { deviceId: { exact: microphoneId } } : true, video: false } });

/** One call, either direction; wraps the sip.js session. */
export class Call {
  readonly callId: string;
  readonly direction: 'inbound' | 'outbound';
  readonly ringingAt = new Date();
  answeredAt: Date | null = null;
  endedAt: Date | null = null;
  endedBy: 'local' | 'remote' | 'failed' | null = null;
  held = false;
  muted = false;
  holdSeconds = 0;
  lastStats: AudioStats | null = null;
  transferredTo: string | undefined;
  private heldSince: number | null = null;
  private readonly listeners = new Set<(call: Call) => void>();

  constructor(readonly session: Session, private readonly remoteAudio: HTMLAudioElement) {
    this.direction = session instanceof Invitation ? 'inbound' : 'outbound';
    this.callId = session instanceof Invitation ? session.request.callId : (session as Inviter).request.callId;
    session.stateChange.addListener((state) => {
      if (state === SessionState.Established) {
        this.answeredAt ??= new Date();
        this.attachAudio();
      }
      if (state === SessionState.Terminated) {
        this.endedAt = new Date();
        this.endedBy ??= this.answeredAt ? 'remote' : 'failed';
        this.stopHoldClock();
        this.remoteAudio.srcObject = null;
      }
      this.emit();
    });
  }

  /**
   * The other side's user part: the caller's number on an incoming call, from P-Asserted-Identity
   * when the trunk sent one (Kamailio passes it on from trunks only; with `Privacy: id` From says
   * "anonymous" but staff still see the number), otherwise From.
   */
  get remoteUser(): string {
    const asserted = this.session instanceof Invitation ? this.session.request.getHeader('P-Asserted-Identity') : undefined;
    // A sip: or a tel: URI (sip.js's grammar reads only the first), with or without a display name.
    const uri = asserted ? (/<([^>]*)>/.exec(asserted)?.[1] ?? asserted) : '';
    const assertedUser = /^(?:sips?|tel):([^@;?]+)/i.exec(uri.trim())?.[1];
    return assertedUser || (this.session.remoteIdentity.uri.user ?? '');
  }

  get state(): SessionState {
    return this.session.state;
  }

  onChange(listener: (call: Call) => void): void {
    this.listeners.add(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this);
  }

  private get handler(): Web.SessionDescriptionHandler | undefined {
    return this.session.sessionDescriptionHandler as Web.SessionDescriptionHandler | undefined;
  }

  private attachAudio(): void {
    const stream = this.handler?.remoteMediaStream;
    if (stream) {
      this.remoteAudio.srcObject = stream;
      void this.remoteAudio.play().catch(() => {});
    }
  }

  async answer(): Promise<void> {
    if (!(this.session instanceof Invitation)) throw new Error('only an incoming call can be answered');
    await this.session.accept({ sessionDescriptionHandlerOptions: audioOnly() });
  }

  async reject(): Promise<void> {
    if (!(this.session instanceof Invitation)) throw new Error('only an incoming call can be rejected');
    this.endedBy = 'local';
    await this.session.reject({ statusCode: 486 });
  }

  /** BYE when established, CANCEL while an outgoing call rings. */
  async hangUp(): Promise<void> {
    this.endedBy = 'local';
    if (this.session.state === SessionState.Established) await this.session.bye();
    else if (this.session instanceof Inviter) await this.session.cancel();
    else if (this.session instanceof Invitation && this.session.state !== SessionState.Terminated) await this.session.reject({ statusCode: 480 });
  }

  /** Re-INVITE with the media direction set to sendonly (hold) or sendrecv (resume). */
  async setHold(hold: boolean): Promise<void> {
    if (this.held === hold) return;
    await new Promise<void>((resolve, reject) => {
      void this.session
        .invite({
          sessionDescriptionHandlerOptions: { hold } as Web.SessionDescriptionHandlerOptions,
          requestDelegate: {
            onAccept: () => resolve(),
            onReject: (response) => reject(new Error(`${response.message.statusCode} ${response.message.reasonPhrase}`)),
          },
        })
        .catch(reject);
    });
    this.held = hold;
    if (hold) this.heldSince = Date.now();
    else this.stopHoldClock();
    this.emit();
  }

  private stopHoldClock(): void {
    if (this.heldSince !== null) {
      this.holdSeconds += (Date.now() - this.heldSince) / 1000;
      this.heldSince = null;
    }
  }

  /** Mute: the local audio track stops sending (silence), the call stays up. */
  setMuted(muted: boolean): void {
    for (const sender of this.handler?.peerConnection?.getSenders() ?? []) {
      if (sender.track?.kind === 'audio') sender.track.enabled = !muted;
    }
    this.muted = muted;
    this.emit();
  }

  /** RFC 4733 tones in the media; SIP INFO when the peer connection cannot send them. */
  async sendDtmf(tone: string): Promise<void> {
    if (this.handler?.sendDtmf(tone)) return;
    await this.session.info({
      requestOptions: { body: { contentDisposition: 'render', contentType: 'application/dtmf-relay', content: `Signal=${tone}\r\nDuration=160` } },
    });
  }

  /** Blind transfer: REFER to sip:<target>@<domain>; the call ends here once the other side accepts. */
  async transfer(target: string, domain: string): Promise<void> {
    const uri = UserAgent.makeURI(`sip:${target}@${domain}`);
    if (!uri) throw new Error(`not a SIP target: ${target}`);
    await new Promise<void>((resolve, reject) => {
      void this.session
        .refer(uri, {
          requestDelegate: {
            onAccept: () => resolve(),
            onReject: (response) => reject(new Error(`${response.message.statusCode} ${response.message.reasonPhrase}`)),
          },
        })
        .catch(reject);
    });
    this.transferredTo = target;
    this.endedBy = 'local';
    await this.session.bye().catch(() => {});
  }

  /** The peer connection's RTP statistics for audio; kept after the call for the report. */
  async readStats(): Promise<AudioStats | null> {
    const pc = this.handler?.peerConnection;
    if (!pc) return this.lastStats;
    const report = await pc.getStats();
    const stats: AudioStats = { packetsSent: 0, packetsReceived: 0, packetsLost: 0 };
    const codecs = new Map<string, string>();
    report.forEach((entry: { type: string; id: string; kind?: string; mimeType?: string }) => {
      if (entry.type === 'codec' && entry.mimeType) codecs.set(entry.id, entry.mimeType.replace(/^audio\//, ''));
    });
    report.forEach((entry: Record<string, unknown>) => {
      if (entry.kind !== 'audio' && entry.mediaType !== 'audio') return;
      if (entry.type === 'inbound-rtp') {
        stats.packetsReceived += Number(entry.packetsReceived ?? 0);
        stats.packetsLost += Math.max(0, Number(entry.packetsLost ?? 0));
        if (typeof entry.jitter === 'number') stats.jitterMs = Math.round(entry.jitter * 1000);
        if (typeof entry.codecId === 'string') stats.codec = codecs.get(entry.codecId) ?? stats.codec;
      } else if (entry.type === 'outbound-rtp') {
        stats.packetsSent += Number(entry.packetsSent ?? 0);
      } else if (entry.type === 'remote-inbound-rtp' && typeof entry.roundTripTime === 'number') {
        stats.roundTripMs = Math.round(entry.roundTripTime * 1000);
      }
    });
    this.lastStats = stats;
    return stats;
  }
}

/**
 * The operator's SIP user agent. Registers with credentials from the API; when the WebSocket drops
 * or registration fails it starts over with back-off (1 s, 2 s, 4 s … 30 s) and fresh credentials,
 * in a new user agent: a restarted Kamailio knows neither the old nonce nor the old registration,
 * and credentials expire.
 */
export class Phone {
  private ua: UserAgent | null = null;
  private registerer: Registerer | null = null;
  private credentials: SipCredentials | null = null;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  state: RegistrationState = 'unregistered';

  constructor(
    private readonly fetchCredentials: () => Promise<SipCredentials>,
    private readonly events: PhoneEvents,
    private readonly remoteAudio: HTMLAudioElement,
  ) {}

  get domain(): string {
    return this.credentials?.domain ?? '';
  }

  get sipUri(): string {
    return this.credentials?.sipUri ?? '';
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.attempt = 0;
    await this.connect();
  }

  /** New credentials before the old ones expire: a new registration with them. */
  async renew(): Promise<void> {
    this.attempt = 0;
    await this.connect();
  }

  private async connect(): Promise<void> {
    this.set(this.attempt === 0 ? 'registering' : 'reconnecting');
    try {
      const credentials = await this.fetchCredentials();
      this.credentials = credentials;
      await this.dispose();
      if (this.stopped) return;
      const uri = UserAgent.makeURI(credentials.sipUri);
      if (!uri) throw new Error(`bad SIP address ${credentials.sipUri}`);
      const ua = new UserAgent({
        uri,
        transportOptions: { server: credentials.wsUrl },
        authorizationUsername: credentials.username,
        authorizationPassword: credentials.password,
        sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: [] } },
        logLevel: 'warn',
        userAgentString: '12345-softphone',
        // Reconnection is ours (back-off, fresh credentials); sip.js's own is off by default (0 attempts).
        delegate: {
          onInvite: (invitation) => this.events.incoming(new Call(invitation, this.remoteAudio)),
          onDisconnect: (error) => {
            if (ua === this.ua && !this.stopped && error) this.retry(error.message);
          },
        },
      });
      const registerer = new Registerer(ua, { expires: 300 });
      registerer.stateChange.addListener((state) => {
        if (ua !== this.ua) return;
        if (state === RegistererState.Registered) {
          this.attempt = 0;
          this.set('registered');
        } else if (state === RegistererState.Unregistered && !this.stopped) {
          this.retry();
        }
      });
      this.ua = ua;
      this.registerer = registerer;
      await ua.start();
      await registerer.register({
        requestDelegate: {
          onReject: (response) => {
            if (ua === this.ua) this.retry(`${response.message.statusCode} ${response.message.reasonPhrase}`);
          },
        },
      });
    } catch (error) {
      this.retry((error as Error).message);
    }
  }

  private retry(error?: string): void {
    if (this.stopped || this.retryTimer) return;
    const delay = Math.min(30_000, 1000 * 2 ** this.attempt);
    this.attempt += 1;
    this.set('reconnecting', error);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
  }

  private set(state: RegistrationState, error?: string): void {
    this.state = state;
    this.events.registration(state, error);
  }

  private async dispose(): Promise<void> {
    const ua = this.ua;
    this.ua = null;
    this.registerer = null;
    if (ua) await ua.stop().catch(() => {});
  }

  /** An outbound call (click-to-call): INVITE sip:<number>@<domain>. */
  async call(number: string): Promise<Call> {
    if (!this.ua) throw new Error('not started');
    const target = UserAgent.makeURI(`sip:${number}@${this.domain}`);
    if (!target) throw new Error(`not a number: ${number}`);
    const inviter = new Inviter(this.ua, target, { sessionDescriptionHandlerOptions: audioOnly() });
    const call = new Call(inviter, this.remoteAudio);
    await inviter.invite();
    return call;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.registerer?.unregister().catch(() => {});
    await this.dispose();
    this.set('unregistered');
  }
}
