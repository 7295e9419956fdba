import type { LoaderContext } from 'astro/loaders';

/** Just enough of Astro's loader context to run a loader outside a build (for unit tests). */
export function fakeContext() {
  const entries = new Map<string, Record<string, unknown>>();
  const warnings: string[] = [];
  const context = {
    store: { clear: () => entries.clear(), set: ({ id, data }: { id: string; data: Record<string, unknown> }) => entries.set(id, data) },
    renderMarkdown: async (markdown: string) => ({ html: `<md>${markdown.trim()}</md>` }),
    generateDigest: (value: unknown) => JSON.stringify(value).length.toString(16),
    logger: { info: () => {}, error: () => {}, warn: (message: string) => warnings.push(message) },
  } as unknown as LoaderContext;
  return { context, entries, warnings };
}
