import { describe, expect, it } from 'vitest';
import { stripReply } from '../reply-strip.js';

const cases: Array<{ name: string; input: string; expected: string }> = [
  { name: 'a message without quotes is unchanged', input: 'Hello\n\nHow are you?\n', expected: 'Hello\n\nHow are you?' },
  {
    name: 'Gmail: attribution wrapped over two lines and the quote are removed',
    input: 'Sounds good!\r\n\r\nOn Mon, Jan 8, 2024 at 10:00 AM Alice Example <\r\nalice@example.com> wrote:\r\n\r\n> Lunch tomorrow?\r\n>\r\n',
    expected: 'Sounds good!',
  },
  {
    name: 'Thunderbird: "On date, name wrote:" and the quote are removed',
    input: 'Yes, 12:30.\n\nOn 08/01/2024 10:00, Alice wrote:\n> Lunch tomorrow?\n> > older\n',
    expected: 'Yes, 12:30.',
  },
  {
    name: 'Apple Mail: "On …, at …, name <addr> wrote:" is removed',
    input: 'See you\n\nSent from my iPhone\n\n> On 8 Jan 2024, at 10:00, Alice <alice@example.com> wrote:\n> \n> Lunch tomorrow?\n',
    expected: 'See you',
  },
  {
    name: 'Outlook: -----Original Message----- and everything after it is removed',
    input: 'Agreed.\n\n-----Original Message-----\nFrom: Alice\nSent: Monday\nTo: Bob\nSubject: Lunch\n\nLunch tomorrow?\n',
    expected: 'Agreed.',
  },
  {
    name: 'Outlook: an underscore rule with a header block is removed',
    input: 'Agreed.\n\n________________________________\nFrom: Alice <alice@example.com>\nSent: Monday, January 8, 2024 10:00 AM\nTo: Bob\nSubject: Lunch\n\nLunch?\n',
    expected: 'Agreed.',
  },
  {
    name: 'Outlook: a bare From/Sent/To header block is removed',
    input: 'Agreed.\n\nFrom: Alice <alice@example.com>\nSent: Monday, January 8, 2024 10:00 AM\nTo: Bob <bob@example.com>\nSubject: Lunch\n\nLunch?\n',
    expected: 'Agreed.',
  },
  { name: 'the signature after "-- " is removed', input: 'Hi there\n-- \nBob\nACME Corp\n', expected: 'Hi there' },
  {
    name: 'a signature between the reply and the quote goes with the quote',
    input: 'Fine\n\n-- \nBob\n\nOn Mon, Alice wrote:\n> q\n',
    expected: 'Fine',
  },
  {
    name: 'inline replies keep the quotes they answer',
    input: 'On Mon, Alice wrote:\n> Lunch?\nYes.\n> Where?\nThe usual place.\n',
    expected: 'On Mon, Alice wrote:\n> Lunch?\nYes.\n> Where?\nThe usual place.',
  },
  {
    name: 'inline replies with a trailing quote drop only the trailing quote',
    input: '> Lunch?\nYes.\n\n> Anything else?\n> Bye\n',
    expected: '> Lunch?\nYes.',
  },
  { name: 'German attribution is recognised', input: 'Ja.\n\nAm 08.01.2024 um 10:00 schrieb Alice:\n> Mittag?\n', expected: 'Ja.' },
  { name: 'French attribution is recognised', input: 'Oui.\n\nLe lun. 8 janv. 2024, Alice a écrit :\n> Déjeuner ?\n', expected: 'Oui.' },
  { name: 'a message that is only a quote is kept whole', input: '> just a quote\n', expected: '> just a quote' },
  { name: 'a "Sent from my iPhone" footer is removed', input: 'OK\n\nSent from my iPhone\n', expected: 'OK' },
];

describe('stripReply', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(stripReply(c.input)).toBe(c.expected);
    });
  }
});
