import {
  Invitation,
  Inviter,
  Registerer,
  RegistererState,
  SessionState,
  UserAgent,
  type Bye,
  type Core,
  type Session,
  type SessionDescriptionHandler,
} from 'sip.js';
import WebSocket from 'ws';

// sip.js opens its transport with the browser's global WebSocket; Node 20 has none by default.
if (typeof globalThis.WebSocket === 'undefined') {
  (globalThis as unknown as { WebSocket: unknown }).WebSocket = WebSocket;
}

/**
 * Node has no WebRTC, so calls carry a fixed SDP offer/answer: enough for signalling through
 * Kamailio, no media flows. The port is the discard port on loopback.
 */
class FixedSdpHandler implements SessionDescriptionHandler {
  private readonly sdp: string;

  constructor(sessionId: number) {
    this.sdp = [
      'v=0',
      `o=- ${sessionId} 1 IN IP4 127.0.0.1`,
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 9 RTP/AVP 0 8 101',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=sendrecv',
      '',
    ].join('\r\n');
  }

  close(): void {}

  getDescription(): Promise<{ body: string; contentType: string }> {
    return Promise.resolve({ body: this.sdp, contentType: 'application/sdp' });
  }

  hasDescription(contentType: string): boolean {
    return contentType === 'application/sdp';
  }

  setDescription(sdp: string): Promise<void> {
    return sdp.startsWith('v=0') ? Promise.resolve() : Promise.reject(new Error('not an SDP body'));
  }

  sendDtmf(): boolean {
    return false;
  }
}

export interface SipUserAgentOptions {
  /** ws:// URL of Kamailio's WebSocket listener. */
  wsUrl: string;
  domain: string;
  /** SIP user part of the AOR, e.g. "op-alice". */
  user: string;
  /** Ephemeral credentials; without them Kamailio challenges and the request fails. */
  username?: string;
  password?: string;
  /** Print sip.js's own log (debugging a test). */
  verbose?: boolean;
}

export type RegistrationResult = { ok: true } | { ok: false; statusCode: number; reasonPhrase: string };

/** How a call ended, from this side's point of view. */
export type CallEnd = 'remote-bye' | 'local-bye' | 'cancelled' | 'rejected' | 'terminated';

/** One call leg in this user agent, either direction. */
export class SipCall {
  readonly ended: Promise<CallEnd>;
  /** For an answered incoming call: the caller's ACK arrived, the dialog is fully set up. */
  readonly acknowledged: Promise<void>;
  private endedHow: CallEnd = 'terminated';
  private resolveEnded!: (how: CallEnd) => void;

  constructor(readonly session: Session) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    let resolveAcknowledged!: () => void;
    this.acknowledged = new Promise((resolve) => (resolveAcknowledged = resolve));
    session.delegate = {
      onAck: () => resolveAcknowledged(),
      onBye: (bye: Bye) => {
        this.endedHow = 'remote-bye';
        // A custom onBye replaces sip.js's own handling, which would have answered 200.
        void bye.accept();
      },
    };
    session.stateChange.addListener((state) => {
      if (state === SessionState.Terminated) this.resolveEnded(this.endedHow);
    });
  }

  get callId(): string {
    return this.session instanceof Inviter ? this.session.request.callId : (this.session as Invitation).request.callId;
  }

  /** The user part of the other side's identity (From for an incoming call). */
  get remoteUser(): string {
    return this.session.remoteIdentity.uri.user ?? '';
  }

  /** An incoming call's P-Asserted-Identity header as it reached this phone. */
  get assertedIdentity(): string | undefined {
    return this.session instanceof Invitation ? this.session.request.getHeader('P-Asserted-Identity') : undefined;
  }

  get state(): SessionState {
    return this.session.state;
  }

  async accept(): Promise<void> {
    if (!(this.session instanceof Invitation)) throw new Error('only an incoming call can be accepted');
    await this.session.accept();
  }

  async reject(statusCode = 486): Promise<void> {
    if (!(this.session instanceof Invitation)) throw new Error('only an incoming call can be rejected');
    this.endedHow = 'rejected';
    await this.session.reject({ statusCode });
  }

  /** BYE when established, CANCEL while an outgoing call rings, 480 for an unanswered incoming one. */
  async hangUp(): Promise<void> {
    switch (this.session.state) {
      case SessionState.Established:
        this.endedHow = 'local-bye';
        await this.session.bye();
        return;
      case SessionState.Initial:
      case SessionState.Establishing:
        if (this.session instanceof Inviter) {
          this.endedHow = 'cancelled';
          await this.session.cancel();
        } else {
          await this.reject(480);
        }
        return;
      default:
        return;
    }
  }

  established(timeoutMs = 5000): Promise<void> {
    return withTimeout(
      new Promise<void>((resolve, reject) => {
        const check = (state: SessionState) => {
          if (state === SessionState.Established) resolve();
          if (state === SessionState.Terminated) reject(new Error(`call ${this.callId} ended before it was established`));
        };
        check(this.session.state);
        this.session.stateChange.addListener(check);
      }),
      timeoutMs,
      `call ${this.callId} to be established`,
    );
  }

  waitForEnd(timeoutMs = 5000): Promise<CallEnd> {
    return withTimeout(this.ended, timeoutMs, `call ${this.callId} to end`);
  }
}

/** The final answer to an outgoing INVITE. */
export type DialOutcome = { ok: true } | { ok: false; statusCode: number; reasonPhrase: string };

/** A call this user agent placed; `outcome` settles with the final answer. */
export class OutgoingCall extends SipCall {
  readonly outcome: Promise<DialOutcome>;

  constructor(inviter: Inviter) {
    super(inviter);
    this.outcome = new Promise<DialOutcome>((resolve, reject) => {
      inviter
        .invite({
          requestDelegate: {
            onAccept: () => resolve({ ok: true }),
            onReject: (response) => resolve(refusal(response)),
          },
        })
        .catch(reject);
    });
  }

  answered(timeoutMs = 10_000): Promise<DialOutcome> {
    return withTimeout(this.outcome, timeoutMs, `the final answer to call ${this.callId}`);
  }
}

/**
 * A sip.js user agent for signalling-only tests: registers over WebSocket, places and receives
 * calls, answers, rejects, hangs up.
 */
export class SipUserAgent {
  private readonly incoming: SipCall[] = [];
  private readonly incomingWaiters: ((call: SipCall) => void)[] = [];
  private registerer: Registerer | undefined;
  private nextSdpId = Math.floor(Math.random() * 1e9);

  readonly userAgent: UserAgent;

  private constructor(readonly options: SipUserAgentOptions) {
    const uri = UserAgent.makeURI(`sip:${options.user}@${options.domain}`);
    if (!uri) throw new Error(`bad SIP user ${options.user}@${options.domain}`);
    this.userAgent = new UserAgent({
      uri,
      authorizationUsername: options.username,
      authorizationPassword: options.password,
      transportOptions: { server: options.wsUrl },
      logBuiltinEnabled: options.verbose ?? false,
      logLevel: options.verbose ? 'debug' : 'error',
      sessionDescriptionHandlerFactory: () => new FixedSdpHandler(this.nextSdpId++),
      delegate: {
        onInvite: (invitation) => this.receive(new SipCall(invitation)),
      },
    });
  }

  static async start(options: SipUserAgentOptions): Promise<SipUserAgent> {
    const agent = new SipUserAgent(options);
    await withTimeout(agent.userAgent.start(), 5000, `${options.user} to connect to ${options.wsUrl}`);
    return agent;
  }

  register(expires = 300, timeoutMs = 5000): Promise<RegistrationResult> {
    const registerer = new Registerer(this.userAgent, { expires });
    this.registerer = registerer;
    return withTimeout(
      new Promise<RegistrationResult>((resolve, reject) => {
        registerer
          .register({
            requestDelegate: {
              onAccept: () => resolve({ ok: true }),
              onReject: (response) => resolve(refusal(response)),
            },
          })
          .catch(reject);
      }),
      timeoutMs,
      `REGISTER of ${this.options.user}`,
    );
  }

  async unregister(timeoutMs = 5000): Promise<void> {
    const registerer = this.registerer;
    if (!registerer || registerer.state !== RegistererState.Registered) return;
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        registerer
          .unregister({ requestDelegate: { onAccept: () => resolve(), onReject: (response) => reject(new Error(`unregister refused: ${response.message.statusCode}`)) } })
          .catch(reject);
      }),
      timeoutMs,
      `unREGISTER of ${this.options.user}`,
    );
  }

  /** Calls `target` (a user part or a full SIP URI); the INVITE goes out at once. */
  dial(target: string, extraHeaders: string[] = []): OutgoingCall {
    const targetUri = UserAgent.makeURI(target.startsWith('sip:') ? target : `sip:${target}@${this.options.domain}`);
    if (!targetUri) throw new Error(`bad target ${target}`);
    return new OutgoingCall(new Inviter(this.userAgent, targetUri, { extraHeaders }));
  }

  /** The next incoming call (already received or still to come). */
  nextIncomingCall(timeoutMs = 5000): Promise<SipCall> {
    const waiting = this.incoming.shift();
    if (waiting) return Promise.resolve(waiting);
    let waiter: ((call: SipCall) => void) | undefined;
    return withTimeout(
      new Promise<SipCall>((resolve) => {
        waiter = resolve;
        this.incomingWaiters.push(resolve);
      }),
      timeoutMs,
      `an incoming call for ${this.options.user}`,
    ).finally(() => {
      const index = waiter ? this.incomingWaiters.indexOf(waiter) : -1;
      if (index >= 0) this.incomingWaiters.splice(index, 1);
    });
  }

  /** Disconnects at once, without unregistering or hanging up: a closed browser tab. */
  async vanish(): Promise<void> {
    await this.userAgent.transport.disconnect();
  }

  async stop(): Promise<void> {
    await this.userAgent.stop();
  }

  private receive(call: SipCall): void {
    const waiter = this.incomingWaiters.shift();
    if (waiter) waiter(call);
    else this.incoming.push(call);
  }
}

function refusal(response: Core.IncomingResponse): { ok: false; statusCode: number; reasonPhrase: string } {
  return { ok: false, statusCode: response.message.statusCode ?? 0, reasonPhrase: response.message.reasonPhrase ?? '' };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
