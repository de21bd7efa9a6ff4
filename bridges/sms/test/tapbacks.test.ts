// The tapback phrases phones send over SMS (English: iOS tapbacks, iOS 18 and Google Messages
// emoji reactions, and their removals; see tapbacks.ts for why no other language), and the text
// this bridge sends for a reaction.
import { describe, expect, it } from 'vitest';
import { firstWords, parseTapback, quoteMatches, reactionText } from '../tapbacks.js';

describe('tapback phrases', () => {
  it.each([
    ['Liked “See you at 8”', 'add', '👍', 'See you at 8'],
    ['Loved “See you at 8”', 'add', '❤️', 'See you at 8'],
    ['Disliked “See you at 8”', 'add', '👎', 'See you at 8'],
    ['Laughed at “See you at 8”', 'add', '😂', 'See you at 8'],
    ['Emphasized “See you at 8”', 'add', '‼️', 'See you at 8'],
    ['Questioned “See you at 8”', 'add', '❓', 'See you at 8'],
    ['Reacted 🎉 to “See you at 8”', 'add', '🎉', 'See you at 8'],
    ['Reacted 👍🏽 to “See you at 8”', 'add', '👍🏽', 'See you at 8'],
    ['Reacted 🇫🇷 to “Paris?”', 'add', '🇫🇷', 'Paris?'],
    ['Removed a like from “See you at 8”', 'remove', '👍', 'See you at 8'],
    ['Removed a heart from “See you at 8”', 'remove', '❤️', 'See you at 8'],
    ['Removed a dislike from “See you at 8”', 'remove', '👎', 'See you at 8'],
    ['Removed a laugh from “See you at 8”', 'remove', '😂', 'See you at 8'],
    ['Removed an exclamation from “See you at 8”', 'remove', '‼️', 'See you at 8'],
    ['Removed a question mark from “See you at 8”', 'remove', '❓', 'See you at 8'],
    ['Removed 🎉 from “See you at 8”', 'remove', '🎉', 'See you at 8'],
    ['Liked "straight quotes"', 'add', '👍', 'straight quotes'],
    ['Loved “a quote with “nested” quotes”', 'add', '❤️', 'a quote with “nested” quotes'],
    ['Liked “two\nlines”', 'add', '👍', 'two\nlines'],
    ['  Liked “padded”  ', 'add', '👍', 'padded'],
    ['Laughed at “An image”', 'add', '😂', 'An image'],
  ])('%j → %s %s on %j', (body, action, emoji, quoted) => {
    expect(parseTapback(body)).toEqual({ action, emoji, quoted });
  });

  it.each([
    'Liked the movie',
    'liked “lower case is a sentence”',
    'Liked “unterminated',
    'Reacted hello to “a sentence”',
    'Reacted 😀😀 to nothing',
    'Removed the cat from “the sofa”',
    'Removed 3 from “the list”',
    'I Liked “that”',
    'Gefällt mir „Bis später“',
    '',
  ])('%j stays a text', (body) => {
    expect(parseTapback(body)).toBeUndefined();
  });
});

describe('matching the quote', () => {
  it.each([
    ['See you at 8', 'See you at 8', true],
    [' See you at 8 ', 'See you at 8', true],
    ['Are we still on for dinner…', 'Are we still on for dinner at eight tonight?', true],
    ['Are we still on for dinner...', 'Are we still on for dinner at eight tonight?', true],
    ['Are we still on for lunch…', 'Are we still on for dinner at eight tonight?', false],
    ['See you', 'See you at 8', false],
    ['…', 'anything', false],
  ])('%j stands for %j: %s', (quoted, text, expected) => {
    expect(quoteMatches(quoted, text)).toBe(expected);
  });
});

describe('reactions sent as texts', () => {
  it.each([
    ['See you at 8', 'See you at 8'],
    ['Are we still on for dinner at eight tonight?', 'Are we still on for dinner…'],
    ['one\ntwo   three', 'one two three'],
    ['Supercalifragilisticexpialidocious-and-then-some-more-letters-here', 'Supercalifragilisticexpialidocious-and-t…'],
  ])('quotes the first words of %j as %j', (text, words) => {
    expect(firstWords(text)).toBe(words);
  });

  it('says the emojis and what they react to', () => {
    expect(reactionText(['👍'], 'See you at 8')).toBe('👍 to "See you at 8"');
    expect(reactionText(['👍', '❤️'], 'Are we still on for dinner at eight tonight?')).toBe('👍❤️ to "Are we still on for dinner…"');
    expect(reactionText(['👍'], undefined)).toBe('👍');
  });
});
