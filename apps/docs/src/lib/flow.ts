/** What the diagram needs to know about a step. */
export interface FlowStep {
  index: number;
  title: string;
  manual: boolean;
  verify: boolean;
  rollback: boolean;
}

const ROW = 56;
const BOX_H = 40;
const LEFT_X = 8;
const LEFT_W = 400;
const RAIL_X = 520;
const RB_W = 150;
const WIDTH = 640;
/** Step titles longer than this are cut with … (the full title is in the box's <title>): what fits 376 px at 15 px. */
const MAX_TITLE = 50;

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

/** The rollback order when step `failed` fails: its own rollback and every earlier one that has a rollback, last first. */
export function rollbackOrder(steps: ReadonlyArray<FlowStep>, failed: number): number[] {
  return steps
    .filter((step) => step.index <= failed && step.rollback)
    .map((step) => step.index)
    .reverse();
}

/** One sentence per path, for screen readers and the SVG's <desc>. */
export function describeFlow(steps: ReadonlyArray<FlowStep>): string {
  if (steps.length === 0) return 'This runbook has no steps.';
  const forward = `Steps run in order: ${steps.map((s) => s.index).join(' → ')}, then the run passes (exit 0).`;
  const rollbacks = rollbackOrder(steps, steps.length);
  const backward =
    rollbacks.length === 0
      ? 'No step has a rollback block, so a failure stops the run without compensation.'
      : `On a failure at step N, the rollback blocks of step N and of every earlier step that has one run in reverse order (at most ${rollbacks.join(' → ')}), then the run ends rolled back (exit 1).`;
  return `${forward} ${backward}`;
}

/**
 * The runbook's control flow as a self-contained inline SVG, rendered at build time: steps go
 * forward down the left column; the dashed rail on the right is the rollback path, walked upward
 * from the failed step through each rollback block to "rolled back".
 */
export function flowDiagramSvg(steps: ReadonlyArray<FlowStep>, id: string): string {
  const rows = steps.length + 2;
  const height = rows * ROW;
  const rowY = (row: number) => row * ROW + (ROW - BOX_H) / 2;
  const mid = (row: number) => rowY(row) + BOX_H / 2;
  const parts: string[] = [];
  const hasRollback = steps.some((s) => s.rollback);

  parts.push(
    `<defs><marker id="${id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="rb-flow-head"/></marker></defs>`,
  );

  // Start and the forward path.
  parts.push(`<rect x="${LEFT_X + 140}" y="${rowY(0) + 6}" width="120" height="${BOX_H - 12}" rx="14" class="rb-flow-terminal"/>`);
  parts.push(`<text x="${LEFT_X + 200}" y="${mid(0) + 4}" text-anchor="middle" class="rb-flow-label">start</text>`);
  for (let row = 0; row <= steps.length; row += 1) {
    const fromY = row === 0 ? rowY(0) + BOX_H - 6 : rowY(row) + BOX_H;
    const toY = row === steps.length ? rowY(row + 1) + 6 : rowY(row + 1);
    parts.push(`<line x1="${LEFT_X + 200}" y1="${fromY}" x2="${LEFT_X + 200}" y2="${toY - 1}" class="rb-flow-forward" marker-end="url(#${id}-arrow)"/>`);
  }
  const end = steps.length + 1;
  parts.push(`<rect x="${LEFT_X + 120}" y="${rowY(end) + 6}" width="160" height="${BOX_H - 12}" rx="14" class="rb-flow-terminal rb-flow-pass"/>`);
  parts.push(`<text x="${LEFT_X + 200}" y="${mid(end) + 4}" text-anchor="middle" class="rb-flow-label">passed · exit 0</text>`);

  for (const step of steps) {
    const row = step.index;
    const kind = step.manual ? 'manual' : 'run';
    const roles = [step.manual ? 'manual' : 'run', step.verify ? 'verify' : '', step.rollback ? 'rollback' : ''].filter(Boolean).join(' · ');
    parts.push(
      `<g class="rb-flow-step rb-flow-${kind}"><title>${escapeXml(`Step ${step.index}: ${step.title} (${roles})`)}</title>` +
        `<rect x="${LEFT_X}" y="${rowY(row)}" width="${LEFT_W}" height="${BOX_H}" rx="6"/>` +
        `<text x="${LEFT_X + 12}" y="${mid(row) - 3}" class="rb-flow-label">${escapeXml(clip(`${step.index}. ${step.title}`, MAX_TITLE))}</text>` +
        `<text x="${LEFT_X + 12}" y="${mid(row) + 12}" class="rb-flow-roles">${escapeXml(roles)}</text></g>`,
    );
    if (hasRollback) {
      // Failure leaves the step sideways onto the rollback rail.
      parts.push(`<line x1="${LEFT_X + LEFT_W}" y1="${mid(row)}" x2="${RAIL_X - 4}" y2="${mid(row)}" class="rb-flow-fail"/>`);
      parts.push(`<circle cx="${RAIL_X}" cy="${mid(row)}" r="3.5" class="rb-flow-junction"/>`);
    }
  }

  if (hasRollback) {
    const bottom = Math.max(...steps.filter((s) => s.rollback || s.index === steps.length).map((s) => s.index));
    parts.push(`<text x="${LEFT_X + LEFT_W + 8}" y="${mid(1) - 6}" class="rb-flow-small">on failure</text>`);
    parts.push(`<line x1="${RAIL_X}" y1="${mid(bottom)}" x2="${RAIL_X}" y2="${rowY(0) + BOX_H - 5}" class="rb-flow-rail" marker-end="url(#${id}-arrow)"/>`);
    parts.push(`<rect x="${RAIL_X - 70}" y="${rowY(0) + 6}" width="140" height="${BOX_H - 12}" rx="14" class="rb-flow-terminal rb-flow-rolledback"/>`);
    parts.push(`<text x="${RAIL_X}" y="${mid(0) + 4}" text-anchor="middle" class="rb-flow-label">rolled back · exit 1</text>`);
    for (const step of steps.filter((s) => s.rollback)) {
      const row = step.index;
      parts.push(
        `<g class="rb-flow-rollback"><title>${escapeXml(`Rollback of step ${step.index}: ${step.title}`)}</title>` +
          `<rect x="${RAIL_X - RB_W / 2 + 30}" y="${rowY(row) + 4}" width="${RB_W - 30}" height="${BOX_H - 8}" rx="6"/>` +
          `<text x="${RAIL_X + 15}" y="${mid(row) + 4}" text-anchor="middle" class="rb-flow-label">↺ undo ${step.index}</text></g>`,
      );
    }
  }

  const title = `Flow of ${steps.length} ${steps.length === 1 ? 'step' : 'steps'}`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="rb-flow" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-labelledby="${id}-title ${id}-desc">` +
    `<title id="${id}-title">${escapeXml(title)}</title><desc id="${id}-desc">${escapeXml(describeFlow(steps))}</desc>` +
    parts.join('') +
    `</svg>`
  );
}
