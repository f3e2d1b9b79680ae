import { forgetEverywhere, newShippedId } from './shipped.js';

/**
 * Capture templates: what a function travelling as source is, without its values. A loop that
 * makes a new `capture({ q, u, t }, body)` at every step (the seed's `@distributed` per time
 * step) sends the same source with the same names each time; its template crosses once per peer,
 * which compiles it once, and every later function of that template travels as the template's id
 * and its values.
 *
 * The sender keeps a bounded table of templates by their text (templates hold no user objects,
 * only strings); one that leaves the table is forgotten by every peer holding it (shipped.ts).
 */
export interface TemplateText {
  /** The function's source, as an expression. */
  src: string;
  /** The names of its `capture` env, in order. */
  envNames: readonly string[];
  /** Per name: the source of a function compiled in the env's scope, or null for a value. */
  envSrc: readonly (string | null)[];
}

export interface Template {
  id: number;
  text: TemplateText;
}

const MAX_TEMPLATES = 1024;
/** By source text; several templates share a source when their env names differ. */
const bySource = new Map<string, Template[]>();
/** Every template in the table by id, oldest first: the count that bounds it, names and all. */
const byId = new Map<number, Template>();

function sameText(t: TemplateText, names: readonly string[], envSrc: readonly (string | null)[]): boolean {
  if (t.envNames.length !== names.length) return false;
  for (let i = 0; i < names.length; i++) if (t.envNames[i] !== names[i] || t.envSrc[i] !== envSrc[i]) return false;
  return true;
}

/** The template of this text (made on first use; the oldest one leaves once the table is full). */
export function templateOf(src: string, envNames: readonly string[], envSrc: readonly (string | null)[]): Template {
  const known = bySource.get(src);
  if (known) {
    for (const t of known) if (sameText(t.text, envNames, envSrc)) return t;
  }
  if (byId.size >= MAX_TEMPLATES) evictOldest();
  const t: Template = { id: newShippedId(), text: { src, envNames: [...envNames], envSrc: [...envSrc] } };
  // Looked up again: the eviction may have taken this source's last template.
  let list = bySource.get(src);
  if (!list) bySource.set(src, (list = []));
  list.push(t);
  byId.set(t.id, t);
  return t;
}

/**
 * Is template `id` still in the table? One that left it while a message carrying it was being
 * encoded was forgotten before that peer held it: the peer must be told to forget it again.
 */
export function isCurrentTemplate(id: number): boolean {
  return byId.has(id);
}

function evictOldest(): void {
  const [id, t] = byId.entries().next().value as [number, Template];
  byId.delete(id);
  const list = bySource.get(t.text.src)!;
  list.splice(list.indexOf(t), 1);
  if (list.length === 0) bySource.delete(t.text.src);
  forgetEverywhere(id);
}
