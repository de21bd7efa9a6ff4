// The parts of ltx (https://github.com/xmppjs/ltx) that Switchboard uses; ltx ships no types.
declare module 'ltx' {
  export type Attrs = Record<string, string | number | undefined>;
  export type Node = Element | string;

  export class Element {
    constructor(name: string, attrs?: Attrs);
    name: string;
    attrs: Record<string, string>;
    parent: Element | null;
    children: Node[];
    is(name: string, xmlns?: string): boolean;
    getName(): string;
    getNS(): string | undefined;
    getAttr(name: string, xmlns?: string): string | undefined;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildElements(): Element[];
    getText(): string;
    getChildText(name: string, xmlns?: string): string | null;
    c(name: string, attrs?: Attrs): Element;
    cnode(child: Element): Element;
    append(...nodes: Node[]): Element;
    t(text: string): Element;
    up(): Element;
    root(): Element;
    remove(el: Element | string, xmlns?: string): Element;
    attr(name: string, value?: string): string | Element;
    text(value?: string): string | Element;
    toString(): string;
  }

  export function createElement(name: string, attrs?: Attrs | null, ...children: Array<Node | Node[] | null | undefined | false>): Element;
  export function parse(xml: string): Element;
  export function equal(a: Element, b: Element): boolean;
  export function escapeXML(s: string): string;
  export function escapeXMLText(s: string): string;
  /** Resolves the five predefined entities and character references; throws on anything else. */
  export function unescapeXML(s: string): string;
}

declare module 'ltx/src/parsers/ltx.js' {
  import { EventEmitter } from 'node:events';
  /** ltx's SAX parser: emits startElement(name, attrs), endElement(name), text(str), error. */
  export default class SaxLtx extends EventEmitter {
    write(data: string): void;
    end(data?: string): void;
  }
}
