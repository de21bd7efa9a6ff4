/**
 * IRCv3 Strict Transport Security (https://ircv3.net/specs/extensions/sts): the value of the `sts`
 * capability in CAP LS, a comma-separated list of keys. Over plaintext only `port` counts (an
 * upgrade policy: reconnect with TLS there before registering); over TLS only `duration` counts
 * (a persistence policy, in seconds; 0 removes it). Unknown keys are ignored, as the spec says.
 */
export interface StsValue {
  port?: number;
  duration?: number;
}

export function parseStsValue(value: string): StsValue {
  const out: StsValue = {};
  for (const item of value.split(',')) {
    const eq = item.indexOf('=');
    const key = eq === -1 ? item : item.slice(0, eq);
    const v = eq === -1 ? '' : item.slice(eq + 1);
    if (!/^\d{1,10}$/.test(v)) continue; // a key without a valid number is as if absent
    const n = Number(v);
    if (key === 'port' && n >= 1 && n <= 65535) out.port = n;
    else if (key === 'duration') out.duration = n;
  }
  return out;
}
