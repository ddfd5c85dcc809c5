import { ConfigError, type Config } from '../platform/config.js';

/** The number citizens dial; kamailio.cfg routes it (its HOTLINE_NUMBER default). */
export const HOTLINE_NUMBER = '12345';

export interface TelephonySettings {
  /** Shared with Kamailio's auth_ephemeral: signs the operators' SIP credentials. */
  sipSecret: string;
  /** Kamailio sends it as X-Telephony-Token on every request to the internal endpoints. */
  telephonyToken: string;
  sipDomain: string;
  /** What browsers connect to. */
  wsUrl: string;
  credentialTtlSeconds: number;
  ringSeconds: number;
}

/**
 * Telephony is on when both shared values are set, off (null) when neither is. One without the
 * other is a mistake, and production must not run without telephony: both refuse to start.
 */
export function telephonySettingsFrom(config: Config): TelephonySettings | null {
  const missing = (['SIP_SECRET', 'TELEPHONY_TOKEN'] as const).filter((setting) => !config[setting]);
  if (missing.length > 0 && (missing.length < 2 || config.NODE_ENV === 'production')) {
    const why = config.NODE_ENV === 'production' ? 'required in production' : 'SIP_SECRET and TELEPHONY_TOKEN are set together';
    throw new ConfigError(missing.map((setting) => ({ setting, message: why })));
  }
  if (!config.SIP_SECRET || !config.TELEPHONY_TOKEN) return null;
  return {
    sipSecret: config.SIP_SECRET,
    telephonyToken: config.TELEPHONY_TOKEN,
    sipDomain: config.SIP_DOMAIN,
    wsUrl: config.SIP_WS_URL ?? `ws://${config.SIP_HOST}:${config.SIP_WS_PORT}`,
    credentialTtlSeconds: config.SIP_CREDENTIAL_TTL_HOURS * 3600,
    ringSeconds: config.RING_SECONDS,
  };
}
