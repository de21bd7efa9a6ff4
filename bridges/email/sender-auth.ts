/**
 * The sender's authenticity: DKIM (RFC 6376), SPF (RFC 7208) and DMARC (RFC 7489) through
 * mailauth, with a DNS resolver that tests replace with fixed records.
 */
import { promises as dns } from 'node:dns';
import { authenticate, type DNSResolver } from 'mailauth';

export type { DNSResolver };

export type VerdictResult = 'pass' | 'fail' | 'none';

export interface Verdict {
  result: VerdictResult;
  /** A one-line summary, e.g. `dkim=pass spf=none dmarc=pass` (debug logs, Authentication-Results style). */
  summary: string;
}

export interface SenderAuthOptions {
  resolver?: DNSResolver;
  timeoutMs: number;
  /** Our host name, written in the results (RFC 8601 authserv-id). */
  mta: string;
}

function withTimeout(resolver: DNSResolver, ms: number): DNSResolver {
  return (name, rrtype) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(Object.assign(new Error(`DNS timeout for ${name} ${rrtype}`), { code: 'ETIMEOUT' })), ms);
      resolver(name, rrtype).then(
        (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
}

const systemResolver: DNSResolver = (name, rrtype) => dns.resolve(name, rrtype) as Promise<string[][] | string[]>;

function aligned(domain: string, fromDomain: string): boolean {
  const d = domain.toLowerCase();
  const f = fromDomain.toLowerCase();
  return d === f || f.endsWith(`.${d}`) || d.endsWith(`.${f}`);
}

export class SenderAuth {
  private readonly resolver: DNSResolver;

  constructor(private readonly options: SenderAuthOptions) {
    this.resolver = withTimeout(options.resolver ?? systemResolver, options.timeoutMs);
  }

  async verify(raw: Buffer, client: { ip: string; helo: string; sender: string }): Promise<Verdict> {
    const res = await authenticate(raw, {
      ip: client.ip,
      helo: client.helo,
      sender: client.sender,
      mta: this.options.mta,
      resolver: this.resolver,
      disableArc: true,
      disableBimi: true,
    });
    const dkim = res.dkim.results.map((r) => `dkim=${r.status.result}${r.signingDomain ? ` (${r.signingDomain})` : ''}`);
    const spf = res.spf ? `spf=${res.spf.status.result}` : 'spf=none';
    const dmarc = res.dmarc ? `dmarc=${res.dmarc.status.result}` : 'dmarc=none';
    const summary = [...(dkim.length ? dkim : ['dkim=none']), spf, dmarc].join(' ');

    // DMARC decides when the From domain publishes a policy (RFC 7489 §6.6.2).
    if (res.dmarc && res.dmarc.status.result === 'pass') return { result: 'pass', summary };
    if (res.dmarc && res.dmarc.status.result === 'fail') return { result: 'fail', summary };
    // Without DMARC: an aligned DKIM signature or SPF pass for the From domain is enough.
    const fromDomain = res.dkim.headerFrom[0]?.split('@').pop() ?? '';
    const dkimOk = res.dkim.results.some((r) => r.status.result === 'pass' && aligned(r.signingDomain, fromDomain));
    const spfOk = res.spf !== false && res.spf.status.result === 'pass' && aligned(res.spf.domain, fromDomain);
    return { result: dkimOk || spfOk ? 'pass' : 'none', summary };
  }
}
