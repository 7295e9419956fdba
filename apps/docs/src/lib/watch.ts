import path from 'node:path';
import type { LoaderContext } from 'astro/loaders';

/**
 * In `astro dev`, reloads a collection when a Markdown file in `dir` changes, appears or goes away.
 * The build has no watcher, so this is a no-op there.
 */
export function reloadOnChange(context: LoaderContext, dir: string, reload: () => Promise<void>): void {
  const { watcher, logger } = context;
  if (!watcher) return;
  watcher.add(dir);
  watcher.on('all', (_event, file) => {
    if (path.dirname(file) !== dir || !file.endsWith('.md')) return;
    reload().catch((error: unknown) => logger.error(error instanceof Error ? error.message : String(error)));
  });
}
