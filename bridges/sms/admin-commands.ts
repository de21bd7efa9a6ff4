/**
 * Ad-hoc commands (XEP-0050) of the SMS domain: admins assign and unassign numbers and see
 * assignments and unassigned inbound numbers; any user can see their own number.
 * The Auth Token never appears in a form or note.
 */
import type { AdhocCommand, AdhocRequest, AdhocResponse } from '../../src/core/adhoc-model.js';
import { fieldValue } from '../../src/core/adhoc-model.js';
import type { CountryCode } from 'libphonenumber-js';
import { StanzaError } from '../../src/core/errors.js';
import { normalizeNumber } from './address.js';
import { isMessagingServiceSid, type NumberDirectory } from './numbers.js';

const onDomain = (localpart: string): boolean => localpart === '';
const JID = /^[^@/\s]+@[^@/\s]+$/;

function done(text: string, type: 'info' | 'warn' = 'info'): AdhocResponse {
  return { status: 'completed', note: { type, text } };
}

export function smsCommands(numbers: NumberDirectory, defaultCountry: CountryCode, isAllowed: (user: string) => boolean): AdhocCommand[] {
  const assign: AdhocCommand = {
    node: 'sms-assign-number',
    name: 'Assign an SMS number to a user',
    admin: true,
    appliesTo: onDomain,
    async run(req: AdhocRequest): Promise<AdhocResponse> {
      if (req.action === 'cancel') return { status: 'canceled' };
      if (!req.values) {
        return {
          status: 'executing',
          actions: ['complete'],
          form: {
            title: 'Assign an SMS number',
            instructions: 'The user sends from this number (or Messaging Service) and receives the texts sent to it.',
            fields: [
              { var: 'user', type: 'jid-single', label: 'XMPP user (bare JID)', required: true },
              { var: 'number', type: 'text-single', label: 'Twilio number (+E.164) or Messaging Service SID (MG…)', required: true },
            ],
          },
        };
      }
      const user = fieldValue(req.values, 'user')?.trim().toLowerCase() ?? '';
      const typed = fieldValue(req.values, 'number')?.trim() ?? '';
      if (!JID.test(user)) throw new StanzaError('bad-request', 'The user must be a bare JID like alice@example.org.');
      const sender = isMessagingServiceSid(typed) ? typed : normalizeNumber(typed, defaultCountry);
      if (!sender) throw new StanzaError('bad-request', `"${typed}" is neither a phone number nor a Messaging Service SID.`);
      numbers.assign(user, sender);
      const warn = isAllowed(user) ? '' : ` Note: ${user} is not in this bridge's access list yet.`;
      return done(`${sender} is now assigned to ${user}. Dead letters for it can be retried now.${warn}`, warn ? 'warn' : 'info');
    },
  };

  const unassign: AdhocCommand = {
    node: 'sms-unassign-number',
    name: "Remove a user's SMS number",
    admin: true,
    appliesTo: onDomain,
    async run(req: AdhocRequest): Promise<AdhocResponse> {
      if (req.action === 'cancel') return { status: 'canceled' };
      const list = numbers.list();
      if (!req.values) {
        if (list.length === 0) return done('No number is assigned.');
        return {
          status: 'executing',
          actions: ['complete'],
          form: {
            title: 'Unassign an SMS number',
            fields: [
              {
                var: 'user',
                type: 'list-single',
                label: 'User',
                required: true,
                options: list.map((a) => ({ value: a.user, label: `${a.user} (${a.sender})` })),
              },
            ],
          },
        };
      }
      const user = fieldValue(req.values, 'user')?.trim().toLowerCase() ?? '';
      const removed = numbers.unassign(user);
      if (!removed) throw new StanzaError('item-not-found', `${user} has no number.`);
      return done(`${removed} is no longer assigned to ${user}.`);
    },
  };

  const listAssignments: AdhocCommand = {
    node: 'sms-list-numbers',
    name: 'List SMS number assignments',
    admin: true,
    appliesTo: onDomain,
    async run(): Promise<AdhocResponse> {
      const list = numbers.list();
      if (list.length === 0) return done('No number is assigned.');
      return done(list.map((a) => `${a.user}: ${a.sender} (${a.source === 'config' ? 'config file' : 'assigned by an admin'})`).join('\n'));
    },
  };

  const unassigned: AdhocCommand = {
    node: 'sms-unassigned-numbers',
    name: 'List numbers that received texts but belong to nobody',
    admin: true,
    appliesTo: onDomain,
    async run(): Promise<AdhocResponse> {
      const list = numbers.unassignedNumbers();
      if (list.length === 0) return done('Every number that received a text is assigned.');
      const lines = list.map((u) => `${u.number}: ${u.count} text(s), last at ${new Date(u.lastAt).toISOString()}`);
      return done(`${lines.join('\n')}\nTheir texts are kept as dead letters: assign the number, then retry them.`, 'warn');
    },
  };

  const myNumber: AdhocCommand = {
    node: 'sms-my-number',
    name: 'Show my SMS number',
    appliesTo: onDomain,
    async run(req: AdhocRequest): Promise<AdhocResponse> {
      const sender = numbers.senderFor(req.user);
      if (!sender) return done('You have no SMS number on this gateway: ask an admin to assign you one.', 'warn');
      return done(`You send and receive texts as ${sender.from ?? `Messaging Service ${sender.messagingServiceSid}`}.`);
    },
  };

  return [assign, unassign, listAssignments, unassigned, myNumber];
}
