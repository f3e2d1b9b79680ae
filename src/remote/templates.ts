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
let count = 0;

function sameText(t: TemplateText, names: readonly string[], envSrc: readonly (string | null)[]): boolean {
  if (t.envNames.length !== names.length) return false;
  for (let i = 0; i < names.length; i++) if (t.envNames[i] !== names[i] || t.envSrc[i] !== envSrc[i]) return false;
  return true;
}

/** The template of this text (made on first use; the oldest one leaves once the table is full). */
export function templateOf(src: string, envNames: readonly string[], envSrc: readonly (string | null)[]): Template {
  let list = bySource.get(src);
  if (list) {
    for (const t of list) if (sameText(t.text, envNames, envSrc)) return t;
  } else {
    if (count >= MAX_TEMPLATES) evictOldest();
    bySource.set(src, (list = []));
  }
  const t: Template = { id: newShippedId(), text: { src, envNames: [...envNames], envSrc: [...envSrc] } };
  list.push(t);
  count++;
  return t;
}

function evictOldest(): void {
  const [src, list] = bySource.entries().next().value as [string, Template[]];
  bySource.delete(src);
  count -= list.length;
  for (const t of list) forgetEverywhere(t.id);
}
