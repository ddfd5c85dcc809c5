import { hash, verify } from '@node-rs/argon2';
import { DomainError } from '../platform/errors.js';

export const minimumPasswordLength = 10;

export function assertPasswordStrength(password: string): void {
  if (password.length < minimumPasswordLength) {
    throw new DomainError('WEAK_PASSWORD', `The password must have at least ${minimumPasswordLength} characters.`, {
      field: 'password',
    });
  }
}

export const hashPassword = (password: string): Promise<string> => hash(password);

// Verifying against a real hash when the user does not exist keeps the response time from
// telling an attacker which user names exist.
let decoy: Promise<string> | undefined;
export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (passwordHash === null) {
    decoy ??= hash('decoy password, never matches');
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}
