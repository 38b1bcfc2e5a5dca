import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { convert, type FormatCallback, type SelectorDefinition } from 'html-to-text';
import pdfParse from 'pdf-parse/lib/pdf-parse.js';
import { cleanInline, parseMarkdownDocument } from './markdown';

/** The formats the knowledge base ingests. */
export const KNOWLEDGE_CONTENT_TYPES = [
  'text/markdown',
  'text/html',
  'text/plain',
  'application/pdf',
] as const;
export type KnowledgeContentType = (typeof KNOWLEDGE_CONTENT_TYPES)[number];

/** A document as read from a file or received by the API, before parsing. */
export interface RawDocument {
  /** Source URL or path, shown in citations. */
  readonly source: string;
  readonly contentType: KnowledgeContentType;
  /** Text for text formats; the bytes for PDF. */
  readonly content: string | Buffer;
  /** Overrides the title found in the document. */
  readonly title?: string;
}

/**
 * Every format becomes Markdown-like text: headings as `#` lines (so the chunker keeps the heading path),
 * paragraphs separated by blank lines. The checksum is over this normalised form plus the title, so a
 * re-saved file with other line endings or trailing spaces counts as unchanged.
 */
export interface ParsedKnowledgeDocument {
  readonly title: string;
  readonly body: string;
  /** sha256 (hex) of the normalised title and body. */
  readonly checksum: string;
}

/** The content type of a file, from its extension; undefined for files the knowledge base does not read. */
export function contentTypeOfPath(path: string): KnowledgeContentType | undefined {
  switch (extname(path).toLowerCase()) {
    case '.md':
    case '.mdx':
    case '.markdown':
      return 'text/markdown';
    case '.html':
    case '.htm':
      return 'text/html';
    case '.txt':
    case '.text':
      return 'text/plain';
    case '.pdf':
      return 'application/pdf';
    default:
      return undefined;
  }
}

/** The name of a source without directories and extension: the title of last resort. */
export function fallbackTitle(source: string): string {
  const name = source
    .replace(/[?#].*$/, '')
    .replace(/\/+$/, '')
    .replace(/^.*\//, '');
  return name.replace(/\.[a-z0-9]+$/i, '') || source;
}

/** Unicode NFC, `\n` line ends, no trailing spaces, at most one blank line in a row, trimmed. */
export function normaliseText(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function documentChecksum(title: string, body: string): string {
  return createHash('sha256').update(`${title}\n\n${body}`, 'utf8').digest('hex');
}

function asText(content: string | Buffer): string {
  return typeof content === 'string' ? content : content.toString('utf8');
}

/** A document whose content cannot be read as its content type says (e.g. a corrupt PDF). */
export class DocumentFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DocumentFormatError';
  }
}

export async function parseKnowledgeDocument(raw: RawDocument): Promise<ParsedKnowledgeDocument> {
  const parsed = await parseByType(raw).catch((cause: unknown) => {
    throw new DocumentFormatError(`${raw.source}: not a readable ${raw.contentType} document`, { cause });
  });
  const oneLine = (text: string): string => normaliseText(text).replace(/\s+/g, ' ');
  const title = oneLine(raw.title ?? '') || oneLine(parsed.title) || fallbackTitle(raw.source);
  const body = normaliseText(parsed.body);
  return { title, body, checksum: documentChecksum(title, body) };
}

async function parseByType(raw: RawDocument): Promise<{ title: string; body: string }> {
  switch (raw.contentType) {
    case 'text/markdown': {
      const doc = parseMarkdownDocument(asText(raw.content), '');
      return { title: doc.title, body: doc.body };
    }
    case 'text/html':
      return parseHtml(asText(raw.content));
    case 'text/plain':
      return parsePlainText(asText(raw.content));
    case 'application/pdf':
      return parsePdf(typeof raw.content === 'string' ? Buffer.from(raw.content, 'base64') : raw.content);
  }
}

/** Headings become `#` lines (html-to-text would upper-case them), links keep their text only. */
const headingFormatter =
  (level: number): FormatCallback =>
  (elem, walk, builder) => {
    builder.openBlock({ leadingLineBreaks: 2 });
    builder.addLiteral(`${'#'.repeat(level)} `);
    walk(elem.children, builder);
    builder.closeBlock({ trailingLineBreaks: 2 });
  };

const HEADING_LEVELS = [1, 2, 3, 4, 5, 6];
const HTML_OPTIONS = {
  wordwrap: false as const,
  formatters: Object.fromEntries(HEADING_LEVELS.map((l) => [`markdownHeading${l}`, headingFormatter(l)])),
  selectors: [
    ...HEADING_LEVELS.map((l): SelectorDefinition => ({ selector: `h${l}`, format: `markdownHeading${l}` })),
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'nav', format: 'skip' },
    { selector: 'header', format: 'skip' },
    { selector: 'footer', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'table', format: 'dataTable' },
    { selector: 'ul', options: { itemPrefix: '- ' } },
  ],
};

export function parseHtml(html: string): { title: string; body: string } {
  const titleTag = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html);
  const h1 = /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(html);
  const clean = (s: string | undefined): string =>
    s
      ? convert(s, { wordwrap: false, selectors: [{ selector: 'a', options: { ignoreHref: true } }] }).trim()
      : '';
  const title = clean(titleTag?.[1]) || clean(h1?.[1]);
  // <title> lives in <head>, which html-to-text skips: the body is converted alone.
  return { title, body: convert(html, HTML_OPTIONS) };
}

/**
 * Plain text has no markup: a line starting with `#` is text, not a heading (escaped with a zero-width
 * space); the first short line is the title when it looks like one.
 */
export function parsePlainText(text: string): { title: string; body: string } {
  const body = normaliseText(text).replace(/^#/gm, '\u200b#');
  const first = body.split('\n', 1)[0].trim();
  const title = first.length > 0 && first.length <= 120 && !/[.!?:]$/.test(first) ? first : '';
  return { title, body };
}

/** Text of every page; the PDF's Title metadata when present. Scanned PDFs (images only) yield no text. */
export async function parsePdf(bytes: Buffer): Promise<{ title: string; body: string }> {
  // pdf.js (1.10, in pdf-parse) clones its input with `new input.constructor(input)`: for a Buffer under 4 KiB
  // that is a slice of Node's shared pool, which pdf.js then reads from the pool's start (wrong offsets: "bad
  // XRef entry"). A plain Uint8Array is cloned into its own memory.
  const result = await pdfParse(new Uint8Array(bytes) as unknown as Buffer);
  const info: unknown = result.info;
  const metaTitle =
    info !== null && typeof info === 'object' && 'Title' in info && typeof info.Title === 'string'
      ? info.Title.trim()
      : '';
  // pdf.js separates pages with blank lines already; lines inside a paragraph stay as they are.
  const body = result.text.replace(/\n(?=#)/g, '\n\u200b');
  return { title: cleanInline(metaTitle), body: body.replace(/^#/, '\u200b#') };
}
