// Tests that need root (a private mount namespace with `unshare -m`, network namespaces) run
// where they can — CI runs as root — and elsewhere show up as skipped with the reason in their name.
export const isRoot = process.getuid?.() === 0;

/** A suite title that says why it may be skipped. */
export const needsRoot = (title: string): string => (isRoot ? title : `${title} [skipped: needs root for unshare -m and mount]`);
