import { spawn } from 'node:child_process';
import path from 'node:path';
import { harnessPaths, REPO_ROOT } from '../../core/config';

/** The Python with scikit-learn that the tests compare against (made by scripts/test-python.sh, run by `npm test`). */
export function testPython(): string {
  return process.env.MLEBENCH_TEST_PYTHON ?? path.join(harnessPaths().home, 'venv-test', 'bin', 'python');
}

/** Runs a Python script with the test virtualenv's Python (requests installed) from the repository, never throwing. */
export function runPython(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(testPython(), [script], {
      cwd: REPO_ROOT,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
