import { getCollection } from 'astro:content';
import { groupByRunbook, type RunSummary } from './runs';

let grouped: Promise<Map<string, RunSummary[]>> | undefined;

/** A runbook's runs from the `runs` collection, newest first (grouped once per build; every request in dev). */
export async function runsOf(runbookId: string): Promise<RunSummary[]> {
  const load = async () => groupByRunbook((await getCollection('runs')).map((entry) => entry.data as unknown as RunSummary));
  if (import.meta.env.DEV) return (await load()).get(runbookId) ?? [];
  grouped ??= load();
  const byRunbook = await grouped;
  return byRunbook.get(runbookId) ?? [];
}
