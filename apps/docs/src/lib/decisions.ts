import { getCollection, type CollectionEntry } from 'astro:content';
import { orderedAdrs } from './adr';

/** All ADRs in number order; throws (failing the build) when their cross-references disagree. */
export async function getDecisions(): Promise<Array<CollectionEntry<'decisions'>>> {
  return orderedAdrs(await getCollection('decisions'));
}
