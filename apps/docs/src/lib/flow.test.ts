import { describe, expect, it } from 'vitest';
import { describeFlow, flowDiagramSvg, rollbackOrder, type FlowStep } from './flow';

const steps: FlowStep[] = [
  { index: 1, title: 'Create the directory', manual: false, verify: true, rollback: true },
  { index: 2, title: 'Tell the channel', manual: true, verify: false, rollback: false },
  { index: 3, title: 'Write <the> "file" & check', manual: false, verify: true, rollback: true },
];

describe('rollbackOrder', () => {
  it('compensates the failed step and earlier ones, last first, skipping steps without rollback', () => {
    expect(rollbackOrder(steps, 3)).toEqual([3, 1]);
    expect(rollbackOrder(steps, 2)).toEqual([1]);
    expect(rollbackOrder(steps, 1)).toEqual([1]);
  });
});

describe('describeFlow', () => {
  it('states both paths', () => {
    expect(describeFlow(steps)).toMatchInlineSnapshot(
      `"Steps run in order: 1 → 2 → 3, then the run passes (exit 0). On a failure at step N, the rollback blocks of step N and of every earlier step that has one run in reverse order (at most 3 → 1), then the run ends rolled back (exit 1)."`,
    );
  });

  it('says when nothing can be rolled back', () => {
    expect(describeFlow([{ ...steps[1]!, index: 1 }])).toContain('No step has a rollback block');
  });
});

describe('flowDiagramSvg', () => {
  const svg = flowDiagramSvg(steps, 'flow-test');

  it('draws one box per step, a rollback node per rollback block and both terminals', () => {
    expect(svg.match(/class="rb-flow-step /g)).toHaveLength(3);
    expect(svg.match(/class="rb-flow-rollback"/g)).toHaveLength(2);
    expect(svg).toContain('passed · exit 0');
    expect(svg).toContain('rolled back · exit 1');
    expect(svg).toContain('↺ undo 3');
    expect(svg).not.toContain('↺ undo 2');
  });

  it('marks manual steps and escapes titles', () => {
    expect(svg).toContain('rb-flow-manual');
    expect(svg).toContain('Write &lt;the&gt; &quot;file&quot; &amp; check');
    expect(svg).not.toContain('<the>');
  });

  it('is labelled for assistive technology with ids unique to the page', () => {
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="flow-test-title flow-test-desc"/);
    expect(svg).toContain('<desc id="flow-test-desc">');
    expect(svg).toContain('marker-end="url(#flow-test-arrow)"');
  });

  it('has no rollback rail when no step can be rolled back', () => {
    const plain = flowDiagramSvg([{ index: 1, title: 'Only', manual: false, verify: false, rollback: false }], 'x');
    expect(plain).not.toContain('rb-flow-rail');
    expect(plain).not.toContain('rolled back');
  });
});
