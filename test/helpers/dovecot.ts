import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../infra/free-port.js';
import { tcpAccepts } from '../../core/platform/readiness.js';
import { waitUntil } from '../faults/two-processes-cluster.js';

/** A real Dovecot IMAP server (Debian's dovecot-imapd) on loopback, with one mailbox, for one test file. */
export interface Dovecot {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The server's log, for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

/** Not as root: as root the server runs as the `dovecot` system user the package created. */
function serverOwner(): { uid: number; gid: number; name: string; group: string } {
  if (process.getuid?.() !== 0) {
    const id = (flag: string) => spawnSync('id', [flag], { encoding: 'utf8' }).stdout.trim();
    return { uid: process.getuid!(), gid: process.getgid!(), name: id('-un'), group: id('-gn') };
  }
  const id = (flag: string) => spawnSync('id', [flag, 'dovecot'], { encoding: 'utf8' }).stdout.trim();
  return { uid: Number(id('-u')), gid: Number(id('-g')), name: 'dovecot', group: id('-gn') };
}

/**
 * Starts Dovecot in the foreground with its own configuration in a temporary folder: plain-text
 * IMAP on a free loopback port, the user from a passwd-file, maildirs under the folder.
 */
export async function startDovecot(): Promise<Dovecot> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hotline-dovecot-'));
  const owner = serverOwner();
  const port = await freePort();
  const user = 'hotline';
  const password = 'mailbox-test-password';
  for (const sub of ['run', 'state', 'mail', 'home']) mkdirSync(path.join(dir, sub));
  writeFileSync(path.join(dir, 'users'), `${user}:{PLAIN}${password}:${owner.uid}:${owner.gid}::${dir}/home/${user}\n`);
  const conf = path.join(dir, 'dovecot.conf');
  writeFileSync(conf, `
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
first_valid_uid = 1
first_valid_gid = 1
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${owner.name}
default_internal_group = ${owner.group}
default_login_user = ${owner.name}
mail_location = maildir:${dir}/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/users
}
service imap-login {
  chroot =
  inet_listener imap {
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    user = ${owner.name}
  }
  unix_listener stats-writer {
    user = ${owner.name}
  }
}
`);
  if (process.getuid?.() === 0) {
    chmodSync(dir, 0o755);
    spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, dir]);
    chownSync(dir, owner.uid, owner.gid);
  }
  const setpriv = ['--pdeathsig', 'SIGKILL', ...(process.getuid?.() === 0 ? [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--init-groups'] : []), '--'];
  // Debian puts it in /usr/sbin, which a user's PATH may lack.
  const binary = existsSync('/usr/sbin/dovecot') ? '/usr/sbin/dovecot' : 'dovecot';
  const child: ChildProcess = spawn('setpriv', [...setpriv, binary, '-F', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () => {
    try {
      return `${stderr}\n${readFileSync(path.join(dir, 'dovecot.log'), 'utf8')}`;
    } catch {
      return `${stderr}\n(no log file)`;
    }
  };
  try {
    await waitUntil('Dovecot to accept connections', async () => {
      if (child.exitCode !== null) throw new Error(`Dovecot exited (${child.exitCode}):\n${log()}`);
      return tcpAccepts('127.0.0.1', port);
    }, 15_000, log);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    host: '127.0.0.1', port, user, password, log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
