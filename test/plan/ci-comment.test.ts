/**
 * The CI files of `examples/fleet-repo/` keep ONE plan comment per pull request: the GitLab
 * note script runs as a real `node` process against a loopback server speaking the GitLab
 * notes API, and the GitHub script runs against a stand-in for github-script's client.
 * Both are read from the committed CI files, so the tests check what users copy.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const EXAMPLE = new URL('../../examples/fleet-repo/', import.meta.url).pathname;
const MARKER = '<!-- ringmaster-plan -->';

interface Note {
  id: number;
  body: string;
}

let server: Server | undefined;
let dir: string | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
  server = undefined;
  dir = undefined;
});

async function gitlabNoteScript(): Promise<string> {
  const ci = parse(await readFile(join(EXAMPLE, '.gitlab-ci.yml'), 'utf8')) as Record<string, { script: string[] }>;
  const step = ci['ringmaster-plan']?.script.find((s) => s.includes('merge_requests'));
  const js = /-e '([\s\S]*)'/.exec(step ?? '')?.[1];
  if (!js) throw new Error('note script not found in .gitlab-ci.yml');
  return js;
}

// A GitLab notes API for merge request 7 of project 42, two notes per page.
async function fakeGitLab(notes: Note[], tokens: string[]): Promise<string> {
  let next = 100;
  server = createServer((req, res) => {
    tokens.push(String(req.headers['private-token']));
    const url = new URL(req.url ?? '/', 'http://x');
    const base = '/api/v4/projects/42/merge_requests/7/notes';
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && url.pathname === base) {
        const page = Number(url.searchParams.get('page'));
        return res.end(JSON.stringify(notes.slice((page - 1) * 2, page * 2)));
      }
      if (req.method === 'POST' && url.pathname === base) {
        const note = { id: next++, body: (JSON.parse(body) as { body: string }).body };
        notes.push(note);
        return res.end(JSON.stringify(note));
      }
      const id = Number(url.pathname.slice(base.length + 1));
      const note = notes.find((n) => n.id === id);
      if (req.method === 'PUT' && note) {
        note.body = (JSON.parse(body) as { body: string }).body;
        return res.end(JSON.stringify(note));
      }
      res.statusCode = 404;
      res.end('{"message":"404 Not found"}');
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v4`;
}

function runNode(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd, env: { ...process.env, ...env } }, (err, _stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

describe('GitLab CI note', () => {
  it('creates the plan note once, then updates it in place, leaving other notes alone', async () => {
    const notes: Note[] = [{ id: 1, body: 'LGTM' }, { id: 2, body: 'what about arm64?' }, { id: 3, body: 'ok' }];
    const tokens: string[] = [];
    const api = await fakeGitLab(notes, tokens);
    const script = await gitlabNoteScript();
    dir = await mkdtemp(join(tmpdir(), 'ringmaster-plan-ci-'));
    const env = { CI_API_V4_URL: api, CI_PROJECT_ID: '42', CI_MERGE_REQUEST_IID: '7', RINGMASTER_PLAN_TOKEN: 'glpat-test' };

    await writeFile(join(dir, 'plan.md'), `${MARKER}\nfirst plan\n`);
    expect((await runNode(script, dir, env)).code).toBe(0);
    await writeFile(join(dir, 'plan.md'), `${MARKER}\nsecond plan\n`);
    const second = await runNode(script, dir, env);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);

    expect(notes.filter((n) => n.body.startsWith(MARKER))).toEqual([{ id: 100, body: `${MARKER}\nsecond plan\n` }]);
    expect(notes.slice(0, 3).map((n) => n.body)).toEqual(['LGTM', 'what about arm64?', 'ok']);
    expect(new Set(tokens)).toEqual(new Set(['glpat-test']));
  });

  it('fails the job when GitLab refuses the token', async () => {
    server = createServer((_req, res) => {
      res.statusCode = 401;
      res.end('{"message":"401 Unauthorized"}');
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    dir = await mkdtemp(join(tmpdir(), 'ringmaster-plan-ci-'));
    await writeFile(join(dir, 'plan.md'), `${MARKER}\nplan\n`);
    const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v4`;
    const r = await runNode(await gitlabNoteScript(), dir, { CI_API_V4_URL: api, CI_PROJECT_ID: '42', CI_MERGE_REQUEST_IID: '7', RINGMASTER_PLAN_TOKEN: 'bad' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('listing notes: 401');
  });
});

describe('GitHub Actions comment', () => {
  interface Comment {
    id: number;
    body: string;
    user: { type: string };
  }

  async function githubScript(): Promise<string> {
    const wf = parse(await readFile(join(EXAMPLE, '.github/workflows/ringmaster-plan.yml'), 'utf8')) as {
      jobs: { plan: { steps: { uses?: string; with?: { script?: string } }[] } };
    };
    const step = wf.jobs.plan.steps.find((s) => s.uses?.startsWith('actions/github-script'));
    if (!step?.with?.script) throw new Error('github-script step not found');
    return step.with.script;
  }

  // Runs the step the way github-script does: an async function of (require, github, context).
  async function run(comments: Comment[], body: string): Promise<void> {
    dir ??= await mkdtemp(join(tmpdir(), 'ringmaster-plan-gh-'));
    await writeFile(join(dir, 'plan.md'), body);
    const cwd = process.cwd();
    const github = {
      paginate: async (fn: (args: unknown) => Promise<Comment[]>, args: unknown) => fn(args),
      rest: {
        issues: {
          listComments: async () => comments.map((c) => ({ ...c })),
          updateComment: async ({ comment_id, body: text }: { comment_id: number; body: string }) => {
            const c = comments.find((x) => x.id === comment_id);
            if (c) c.body = text;
          },
          createComment: async ({ body: text }: { body: string }) => {
            comments.push({ id: 1000 + comments.length, body: text, user: { type: 'Bot' } });
          },
        },
      },
    };
    const context = { repo: { owner: 'o', repo: 'r' }, payload: { pull_request: { number: 5 } } };
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
    process.chdir(dir);
    try {
      await new AsyncFunction('require', 'github', 'context', await githubScript())(createRequire(import.meta.url), github, context);
    } finally {
      process.chdir(cwd);
    }
  }

  it('creates one bot comment, updates it after, never touches a human comment quoting the marker', async () => {
    const comments: Comment[] = [{ id: 1, body: `${MARKER}\nI pasted this`, user: { type: 'User' } }];
    await run(comments, `${MARKER}\nfirst\n`);
    await run(comments, `${MARKER}\nsecond\n`);
    expect(comments).toEqual([
      { id: 1, body: `${MARKER}\nI pasted this`, user: { type: 'User' } },
      { id: 1001, body: `${MARKER}\nsecond\n`, user: { type: 'Bot' } },
    ]);
  });

  it('truncates a plan over GitHub comment size limit', async () => {
    const comments: Comment[] = [];
    await run(comments, `${MARKER}\n${'x'.repeat(70_000)}`);
    expect(comments[0]?.body.length).toBeLessThanOrEqual(65_536);
    expect(comments[0]?.body).toContain('truncated');
  });
});
