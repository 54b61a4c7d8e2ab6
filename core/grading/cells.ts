/** The rules one submitted value must follow, by the metric's cell rule (see metrics/index.ts). */
import type { CellRule } from './metrics';

const INTEGER = /^[+-]?\d+$/;
const SHOWN_LABELS = 10;

/** Why a label cell breaks the rule, or undefined when it is fine. */
export function cellProblem(cell: string, spec: { cells: CellRule; labels?: ReadonlySet<string> }): string | undefined {
  if (cell === '') return 'empty label';
  if (spec.cells === 'integer' && !INTEGER.test(cell)) return `"${cell}" is not an integer label`;
  if (spec.labels && !spec.labels.has(cell)) {
    const known = [...spec.labels];
    const shown = known.slice(0, SHOWN_LABELS).join(', ') + (known.length > SHOWN_LABELS ? ', ...' : '');
    return `unknown label "${cell}" (known: ${shown})`;
  }
  return undefined;
}

/** Whether a parsed number cell (NaN when it is not a decimal number) follows the rule. */
export function numberOk(value: number, rule: CellRule): boolean {
  if (!Number.isFinite(value)) return false;
  if (rule === 'probability') return value >= 0 && value <= 1;
  if (rule === 'above-minus-one') return value > -1;
  return true;
}

/** Why a number cell breaks the rule (`value` parsed, `text` as written), or undefined when it is fine. */
export function numberProblem(value: number, rule: CellRule, text: string): string | undefined {
  if (!Number.isFinite(value)) return `"${text}" is not a finite number`;
  if (rule === 'probability' && (value < 0 || value > 1)) return `probability ${text} is outside [0, 1]`;
  if (rule === 'above-minus-one' && value <= -1) return `${text} is not above -1 (the metric takes log(1 + value))`;
  return undefined;
}
