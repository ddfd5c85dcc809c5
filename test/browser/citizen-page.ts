import { Inviter, Registerer, RegistererState, SessionState, UserAgent, type Invitation, type Session, type Web } from 'sip.js';

/**
 * The citizen's side of a browser-to-browser call, for the browser test: a bare sip.js user agent
 * with credentials the test issues (the citizen's number as SIP user) that places one call, or
 * registers and answers the operator's callback. Bundled by the test and served on a test-only
 * path; it has no UI: the test drives it through `window.citizen` and reads `body[data-call-state]`.
 */
interface UserAgentOptions {
  wsUrl: string;
  domain: string;
  user: string;
  username: string;
  password: string;
}

let ua: UserAgent | null = null;
let session: Session | null = null;
let incoming: Invitation | null = null;
const audioOnly = { constraints: { audio: true, video: false } };

function userAgent(options: UserAgentOptions): UserAgent {
  ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:${options.user}@${options.domain}`),
    transportOptions: { server: options.wsUrl },
    authorizationUsername: options.username,
    authorizationPassword: options.password,
    sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: [] } },
    logLevel: 'warn',
    delegate: {
      onInvite: (invitation) => {
        incoming = invitation;
        follow(invitation);
        document.body.dataset.incoming = invitation.request.callId;
      },
    },
  });
  return ua;
}

function follow(followed: Session): void {
  session = followed;
  const audio = document.createElement('audio');
  audio.autoplay = true;
  document.body.append(audio);
  followed.stateChange.addListener((state) => {
    document.body.dataset.callState = state;
    if (state === SessionState.Established) audio.srcObject = (followed.sessionDescriptionHandler as Web.SessionDescriptionHandler).remoteMediaStream;
  });
}

/** Calls `dialled` (the hotline number); resolves with the Call-ID once the INVITE is sent. */
async function call(options: UserAgentOptions & { dialled: string }): Promise<string> {
  await userAgent(options).start();
  const target = UserAgent.makeURI(`sip:${options.dialled}@${options.domain}`);
  if (!target) throw new Error('bad target');
  const inviter = new Inviter(ua!, target, { sessionDescriptionHandlerOptions: audioOnly });
  follow(inviter);
  await inviter.invite();
  return inviter.request.callId;
}

/** Registers, so that the operator's callback reaches this page. */
async function register(options: UserAgentOptions): Promise<void> {
  await userAgent(options).start();
  const registerer = new Registerer(ua!);
  const registered = new Promise<void>((resolve) => registerer.stateChange.addListener((state) => state === RegistererState.Registered && resolve()));
  await registerer.register();
  await registered;
}

async function answer(): Promise<void> {
  await incoming?.accept({ sessionDescriptionHandlerOptions: audioOnly });
}

async function packetsReceived(): Promise<number> {
  const pc = (session?.sessionDescriptionHandler as Web.SessionDescriptionHandler | undefined)?.peerConnection;
  if (!pc) return 0;
  let packets = 0;
  (await pc.getStats()).forEach((entry: { type: string; kind?: string; packetsReceived?: number }) => {
    if (entry.type === 'inbound-rtp' && entry.kind === 'audio') packets += entry.packetsReceived ?? 0;
  });
  return packets;
}

async function stop(): Promise<void> {
  await ua?.stop().catch(() => {});
}

(window as unknown as { citizen: unknown }).citizen = { call, register, answer, packetsReceived, stop };
