import path from 'node:path';
import { harnessPaths } from '../../core/config';

/** The Python with scikit-learn that the tests compare against (made by scripts/test-python.sh, run by `npm test`). */
export function testPython(): string {
  return process.env.MLEBENCH_TEST_PYTHON ?? path.join(harnessPaths().home, 'venv-test', 'bin', 'python');
}
