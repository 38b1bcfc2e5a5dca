/**
 * Markdown → searchable chunks. Documentation pages carry front matter, headings, MDX components and raw
 * HTML tables; a chunk keeps the heading path it sits under, so a passage can be cited as "title › section".
 */

export interface ParsedDocument {
  readonly title: string;
  readonly frontMatter: Readonly<Record<string, string>>;
  /** Body without the front matter. */
  readonly body: string;
}

export interface DocumentChunk {
  /** Heading path of the chunk inside its document ("Discounts › Multi-year"); empty before any heading. */
  readonly section: string;
  readonly text: string;
}

export interface ChunkOptions {
  /** Target chunk length in characters. */
  readonly maxChars: number;
  /** Characters of the previous chunk repeated at the start of the next one (same section only). */
  readonly overlapChars: number;
}

export const DEFAULT_CHUNK_OPTIONS: ChunkOptions = { maxChars: 800, overlapChars: 150 };

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/** Parses `key: value` front matter (flat YAML is all documentation pages use) and the title. */
export function parseMarkdownDocument(content: string, fallbackTitle: string): ParsedDocument {
  const frontMatter: Record<string, string> = {};
  let body = content.replace(/^\uFEFF/, '');
  const match = FRONT_MATTER.exec(body);
  if (match) {
    for (const line of match[1].split(/\r?\n/)) {
      const kv = /^([A-Za-z0-9_-]+):\s*(.*)$/.exec(line);
      if (kv) frontMatter[kv[1]] = unquote(kv[2].trim());
    }
    body = body.slice(match[0].length);
  }
  const heading = /^#\s+(.+)$/m.exec(body);
  const title = frontMatter.title || (heading ? cleanInline(heading[1]) : '') || fallbackTitle;
  return { title, frontMatter, body };
}

function unquote(value: string): string {
  return /^(['"]).*\1$/.test(value) ? value.slice(1, -1) : value;
}

/** Turns inline Markdown, MDX components and HTML into plain readable text. */
export function cleanInline(text: string): string {
  return (
    text
      // MDX components that name a person or a thing: keep the name.
      .replace(/<[A-Z][\w.]*\b[^>]*?\bname="([^"]*)"[^>]*?\/?>/g, '$1')
      // Table cells and rows of raw HTML tables → " | " separated lines.
      .replace(/<\/t[dh]>/gi, ' | ')
      .replace(/<\/tr>|<br\s*\/?>/gi, '\n')
      .replace(/<\/?[A-Za-z][^>]*>/g, '')
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
      .replace(/(\*\*|__)(.+?)\1/g, '$2')
      .replace(/`([^`]+)`/g, '$1')
      .replace(/&nbsp;/g, ' ')
      .replace(/&amp;/g, '&')
      .replace(/[ \t]+/g, ' ')
  );
}

interface Section {
  path: string[];
  lines: string[];
}

/** Splits a Markdown body into sections by headings (ignoring `#` inside fenced code). */
function splitSections(body: string): Section[] {
  const sections: Section[] = [{ path: [], lines: [] }];
  const stack: { level: number; title: string }[] = [];
  let inFence = false;
  for (const line of body.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (!heading) {
      sections[sections.length - 1].lines.push(line);
      continue;
    }
    const level = heading[1].length;
    while (stack.length && stack[stack.length - 1].level >= level) stack.pop();
    stack.push({ level, title: cleanInline(heading[2]).trim() });
    sections.push({ path: stack.map((s) => s.title), lines: [] });
  }
  return sections;
}

/** Paragraphs of a section as clean text; tables' and lists' lines stay together in their paragraph. */
function paragraphs(lines: string[]): string[] {
  return cleanInline(lines.join('\n'))
    .split(/\n\s*\n/)
    .map((p) =>
      p
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !/^(\|\s*)+$/.test(l))
        .join('\n'),
    )
    .filter((p) => /[\p{L}\p{N}]/u.test(p));
}

/** Cuts a text longer than `max` at sentence or word boundaries. */
function splitLong(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    // Prefer a line break (list items, table rows), then a sentence end, then a space.
    const candidates = [window.lastIndexOf('\n'), window.lastIndexOf('. ') + 1, window.lastIndexOf(' ')];
    const at = candidates.find((c) => c > max / 2) ?? max;
    parts.push(rest.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  if (rest) parts.push(rest);
  return parts;
}

/** The tail of a chunk to repeat in the next one, starting at a word boundary. */
function overlapTail(text: string, chars: number): string {
  if (chars <= 0 || text.length <= chars) return chars <= 0 ? '' : text;
  const tail = text.slice(-chars);
  const space = tail.indexOf(' ');
  return space >= 0 ? tail.slice(space + 1) : tail;
}

/** A heading section of a Markdown body as clean text: its heading path and its paragraphs. */
export interface MarkdownSection {
  readonly path: readonly string[];
  readonly paragraphs: readonly string[];
}

/** The heading sections of a body that hold some text (for FAQ extraction: a question heading + its answer). */
export function markdownSections(body: string): MarkdownSection[] {
  return splitSections(body)
    .map((s) => ({ path: s.path, paragraphs: paragraphs(s.lines) }))
    .filter((s) => s.paragraphs.length > 0);
}

/** The section title of a heading path, as chunks carry it. */
export const sectionTitle = (path: readonly string[]): string => path.join(' › ');

/**
 * Splits a document into chunks: one or more per heading section, each at most about `maxChars`, packed
 * from whole paragraphs; consecutive chunks of one section overlap by about `overlapChars` so a fact cut
 * at a boundary is still found whole in one of them.
 */
export function chunkMarkdown(body: string, options: ChunkOptions = DEFAULT_CHUNK_OPTIONS): DocumentChunk[] {
  const chunks: DocumentChunk[] = [];
  for (const section of splitSections(body)) {
    const title = sectionTitle(section.path);
    const pieceMax = Math.max(100, options.maxChars - options.overlapChars);
    const pieces = paragraphs(section.lines).flatMap((p) => splitLong(p, pieceMax));
    let current = '';
    let hasNew = false;
    const flush = (): void => {
      if (hasNew && current) chunks.push({ section: title, text: current });
      current = overlapTail(current, options.overlapChars);
      hasNew = false;
    };
    for (const piece of pieces) {
      if (hasNew && current.length + piece.length + 2 > options.maxChars) flush();
      current = current ? `${current}\n\n${piece}` : piece;
      hasNew = true;
    }
    flush();
  }
  return chunks;
}
