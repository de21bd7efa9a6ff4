/**
 * The stateless parts of irc-framework (design.md §4b) the IRC client uses: its line parser,
 * message-tag codec and mask parsing. irc-framework ships no types; these are imported by file
 * (CommonJS modules, no exports map), so its Client and its dependencies are never loaded.
 * test/helpers/irc-framework.d.ts declares the package's main module, for the tests' IRC clients.
 */
declare module 'irc-framework/src/irclineparser.js' {
  /** What the parser returns (an IrcMessage of src/ircmessage.js); only the fields we read. */
  interface ParsedLine {
    /** Decoded tag values by key (lower-cased by the codec), in a map without prototype; a key without a value is ''. */
    tags: Record<string, string>;
    /** The source without ':', '' when the line has none. */
    prefix: string;
    /** Upper-cased; '' when the line has no command. */
    command: string;
    params: string[];
  }
  /** One line, leading and trailing CR/LF removed; never throws on a string. */
  function parseIrcLine(line: string): ParsedLine;
  export = parseIrcLine;
}

declare module 'irc-framework/src/messagetags.js' {
  const MessageTags: {
    /** message-tags §Escaping values: unescape one value (a lone or unknown `\` is dropped). */
    decodeValue(value: string): string;
    /** Escape `\`, `;`, space, CR and LF in one value. */
    encodeValue(value: string): string;
    /** The tag section without its '@'; keys are lower-cased. */
    decode(tags: string): Record<string, string>;
    /** `true` is a key without a value; values are escaped with encodeValue. */
    encode(tags: Record<string, string | true>, separator?: string): string;
  };
  export = MessageTags;
}

declare module 'irc-framework/src/helpers.js' {
  const Helpers: {
    /** `nick!user@host` split at the first '!' and the first '@'; a missing part is ''. */
    parseMask(mask: string): { nick: string; user: string; host: string };
  };
  export = Helpers;
}
