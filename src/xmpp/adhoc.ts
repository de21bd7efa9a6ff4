/**
 * XEP-0050 ad-hoc commands: listing (disco#items on the commands node), command info, and
 * execution with sessions. Commands are plain data (src/core/adhoc-model.ts).
 */
import { randomUUID } from 'node:crypto';
import { Element } from 'ltx';
import type { AdhocCommand, AdhocResponse } from '../core/adhoc-model.js';
import { StanzaError } from '../core/errors.js';
import { formElement, readSubmittedValues } from './forms.js';
import type { IqContext, IqRouter } from './iq.js';
import { NS } from './ns.js';

interface Session {
  node: string;
  user: string;
  from: string;
  state: unknown;
  expires: number;
}

const SESSION_TTL_MS = 10 * 60_000;

export interface AdhocDeps {
  domain: string;
  commands(): AdhocCommand[];
  isAdmin(user: string): boolean;
}

export class AdhocService {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly deps: AdhocDeps) {}

  /** Commands visible to `user` on `localpart` (admin commands only to admins). */
  visible(user: string, localpart: string): AdhocCommand[] {
    const admin = this.deps.isAdmin(user);
    return this.deps.commands().filter((c) => c.appliesTo(localpart) && (!c.admin || admin));
  }

  /** disco#items for node='http://jabber.org/protocol/commands' (XEP-0050 §2.2). */
  itemsElement(iq: IqContext): Element {
    const query = new Element('query', { xmlns: NS.discoItems, node: NS.commands });
    const jid = iq.stanza.attrs.to ?? this.deps.domain;
    for (const c of this.visible(iq.user, iq.localpart)) query.c('item', { jid, node: c.node, name: c.name });
    return query;
  }

  register(router: IqRouter): void {
    router.register('set', NS.commands, 'command', (iq) => this.execute(iq));
  }

  private async execute(iq: IqContext): Promise<Element> {
    const node = iq.child.attrs.node ?? '';
    const command = this.deps.commands().find((c) => c.node === node && c.appliesTo(iq.localpart));
    if (!command) throw new StanzaError('item-not-found', `There is no command ${node} here.`);
    if (command.admin && !this.deps.isAdmin(iq.user)) {
      throw new StanzaError('forbidden', 'This command is for the gateway administrators only.');
    }
    const action = (iq.child.attrs.action ?? 'execute') as 'execute' | 'next' | 'complete' | 'prev' | 'cancel';
    this.expire();
    let sessionId = iq.child.attrs.sessionid;
    let session = sessionId ? this.sessions.get(sessionId) : undefined;
    if (sessionId && (!session || session.from !== iq.from || session.node !== node)) {
      // XEP-0050 §4.6: unknown or foreign session.
      throw new StanzaError('bad-request', 'This command session is unknown or has expired; start the command again.');
    }
    if (!sessionId) sessionId = randomUUID();
    if (action === 'cancel') {
      this.sessions.delete(sessionId);
      return this.commandElement(node, sessionId, { status: 'canceled' });
    }
    const values = readSubmittedValues(iq.child);
    const response = await command.run({
      user: iq.user,
      from: iq.from,
      localpart: iq.localpart,
      action,
      ...(values ? { values } : {}),
      ...(session ? { state: session.state } : {}),
    });
    if (response.status === 'executing') {
      session = { node, user: iq.user, from: iq.from, state: response.state, expires: Date.now() + SESSION_TTL_MS };
      this.sessions.set(sessionId, session);
    } else this.sessions.delete(sessionId);
    return this.commandElement(node, sessionId, response);
  }

  private commandElement(node: string, sessionid: string, response: AdhocResponse): Element {
    const el = new Element('command', { xmlns: NS.commands, node, sessionid, status: response.status });
    if (response.status === 'executing') {
      const actions = response.actions ?? ['complete'];
      const a = el.c('actions', { execute: actions.includes('next') ? 'next' : 'complete' });
      for (const name of actions) a.c(name);
      el.cnode(formElement(response.form, 'form'));
    } else if (response.status === 'completed') {
      if (response.form) el.cnode(formElement(response.form, 'result'));
      if (response.note) el.c('note', { type: response.note.type }).t(response.note.text);
    }
    return el;
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (s.expires < now) this.sessions.delete(id);
  }
}
