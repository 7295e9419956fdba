import { distance } from 'fastest-levenshtein';

/** The closest of `candidates` to `input` ("did you mean"), if it is close enough to be a typo. */
export function closest<T extends string>(input: string, candidates: Iterable<T>, maxDistance?: number): T | undefined {
  let best: T | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(input.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // A typo is a few edits of a word, never most of it.
  const limit = maxDistance ?? Math.max(1, Math.floor(Math.max(input.length, best?.length ?? 0) / 3));
  return bestDistance <= limit ? best : undefined;
}
