/**
 * The container files, checked without a container engine (none on the CI machine): the Dockerfile's stages and
 * rules read from the file, every path it copies present and not excluded by .dockerignore; both healthcheck
 * commands RUN for real against a live server and a closed port; compose.yaml parsed, its wiring checked, and
 * validated by `docker-compose config` / `docker compose config` when one is installed.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8')) as {
  services: Record<
    string,
    {
      command?: string[];
      environment?: Record<string, string>;
      healthcheck?: { test: string[] };
      depends_on?: Record<string, unknown>;
      ports?: string[];
      image?: string;
      build?: unknown;
    }
  >;
};
const run = promisify(execFile);

/** Instructions with line continuations joined. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const stages = instructions.reduce<string[][]>((acc, line) => {
  if (/^FROM /i.test(line)) acc.push([]);
  acc.at(-1)?.push(line);
  return acc;
}, []);

describe('Dockerfile', () => {
  it('has a build stage and a runtime stage, both on node:20-bookworm-slim', () => {
    expect(instructions).toContain('ARG NODE_IMAGE=node:20-bookworm-slim');
    expect(stages.map((s) => s[0])).toEqual(['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_IMAGE} AS runtime']);
  });

  it('compiles better-sqlite3 from source and the TypeScript in the build stage, and drops dev dependencies', () => {
    const build = stages[0]!.join('\n');
    expect(build).toMatch(/npm_config_build_from_source=true/);
    expect(build).toMatch(/npm rebuild better-sqlite3/);
    expect(build).toMatch(/apt-get install .*python3 make g\+\+/);
    expect(build).toMatch(/tsc -p tsconfig\.build\.json/);
    expect(build).toMatch(/npm prune --omit=dev/);
  });

  it('runs as the unprivileged node user, in production, with a HEALTHCHECK on /livez and the CLI as entrypoint', () => {
    const runtime = stages[1]!;
    const users = runtime.filter((l) => /^USER /.test(l));
    expect(users).toEqual(['USER node']);
    // USER comes before the process starts: nothing after it switches back.
    expect(runtime.indexOf('USER node')).toBeLessThan(runtime.findIndex((l) => /^ENTRYPOINT /.test(l)));
    expect(runtime.join('\n')).toMatch(/NODE_ENV=production/);
    expect(runtime.join('\n')).toMatch(/HOST=0\.0\.0\.0/);
    expect(runtime.some((l) => /^HEALTHCHECK .*\/livez/.test(l))).toBe(true);
    expect(runtime).toContain('ENTRYPOINT ["node", "dist/src/cli/main.js"]');
    expect(runtime).toContain('CMD ["serve"]');
  });

  it('copies only paths that exist and that .dockerignore lets through', () => {
    const copied = instructions
      .filter((l) => /^COPY /.test(l) && !/--from=/.test(l))
      .flatMap((l) =>
        l
          .replace(/^COPY\s+(--\S+\s+)*/, '')
          .split(/\s+/)
          .slice(0, -1),
      );
    expect(copied.sort()).toEqual(
      ['openapi', 'package-lock.json', 'package.json', 'package.json', 'resources', 'src', 'tsconfig.build.json', 'tsconfig.json'].sort(),
    );
    for (const path of copied) {
      expect(existsSync(join(ROOT, path)), path).toBe(true);
      expect(dockerignore, path).not.toContain(path);
    }
    for (const excluded of ['node_modules', 'dist', 'data', '.env', '.git']) expect(dockerignore).toContain(excluded);
  });
});

/** The exec-form command of a HEALTHCHECK / healthcheck, run here with `node`. */
function healthcheckScript(form: string[]): string {
  expect(form.slice(0, 3)).toEqual(form[0] === 'CMD' ? ['CMD', 'node', '-e'] : form.slice(0, 3));
  return form[3]!;
}

const dockerHealthcheck = JSON.parse(/^HEALTHCHECK .*CMD (\[.*\])$/m.exec(dockerfile.replace(/\\\n\s*/g, ''))![1]!) as string[];

async function exitCode(script: string, env: Record<string, string> = {}): Promise<number> {
  try {
    await run(process.execPath, ['-e', script], { env: { ...process.env, ...env }, timeout: 20_000 });
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise((r) => server.close(r));
  return address.port;
}

describe('the healthcheck commands, run for real', () => {
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    app = createHttpServer(createLogger('silent'));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(() => app.close());

  it("the image's HEALTHCHECK passes against a live /livez and fails on a port where nothing listens", async () => {
    expect(dockerHealthcheck.slice(0, 3)).toEqual(['node', '-e', dockerHealthcheck[2]]);
    const script = dockerHealthcheck[2]!;
    expect(await exitCode(script, { PORT: String(port) })).toBe(0);
    expect(await exitCode(script, { PORT: String(await closedPort()) })).toBe(1);
  });

  it("the simulator's healthcheck passes when its port accepts connections and fails when not", async () => {
    const test = compose.services['network-sim']!.healthcheck!.test;
    const script = healthcheckScript(test).replace('9090', String(port));
    expect(await exitCode(script)).toBe(0);
    expect(await exitCode(healthcheckScript(test).replace('9090', String(await closedPort())))).toBe(1);
  });
});

describe('compose.yaml', () => {
  it('runs Tessera on PostgreSQL and the network simulator as its own service from the same image', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['network-sim', 'postgres', 'tessera']);
    const { tessera, postgres } = compose.services as Record<string, NonNullable<(typeof compose.services)[string]>>;
    const sim = compose.services['network-sim']!;
    expect(postgres!.image).toMatch(/^postgres:/);
    expect(tessera!.image).toBe(sim.image);
    expect(tessera!.command).toEqual(['serve']);
    expect(sim.command?.[0]).toBe('network-sim');
    expect(sim.command).toEqual(expect.arrayContaining(['--issuer-url', 'http://tessera:8080', '--host', '0.0.0.0']));
    expect(tessera!.environment?.TESSERA_DATABASE_URL).toMatch(/^postgres:\/\/tessera:\$\{POSTGRES_PASSWORD:\?.*\}@postgres:5432\/tessera$/);
    expect(tessera!.environment?.TESSERA_NETWORK_URL).toBe('http://network-sim:9090');
    expect(tessera!.environment?.NODE_ENV).toBe('production');
    // The same network secret on both sides, required.
    expect(tessera!.environment?.TESSERA_NETWORK_SECRET).toMatch(/^\$\{TESSERA_NETWORK_SECRET:\?/);
    expect(sim.environment?.TESSERA_NETWORK_SECRET).toBe(tessera!.environment?.TESSERA_NETWORK_SECRET);
    for (const name of ['TESSERA_MASTER_KEY', 'TESSERA_ADMIN_TOKEN']) expect(tessera!.environment?.[name]).toMatch(new RegExp(`^\\$\\{${name}:\\?`));
    expect(tessera!.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' } });
    // Published on loopback unless TESSERA_BIND says otherwise; PostgreSQL and the simulator not at all.
    expect(tessera!.ports).toEqual(['${TESSERA_BIND:-127.0.0.1}:${TESSERA_PORT:-8080}:8080']);
    expect(postgres!.ports).toBeUndefined();
    expect(sim.ports).toBeUndefined();
    expect(readFileSync(join(ROOT, 'deploy', 'postgres-init.sql'), 'utf8')).toMatch(/CREATE DATABASE network/);
  });

  const composeCli = ['docker-compose', 'docker'].find((cli) => spawnSync(cli, cli === 'docker' ? ['compose', 'version'] : ['version']).status === 0);
  it.runIf(composeCli !== undefined)(
    `is valid for ${composeCli ?? 'compose (not installed: skipped)'} config, and refuses to run without the secrets`,
    async () => {
      const args = composeCli === 'docker' ? ['compose', '-f', 'compose.yaml', 'config'] : ['-f', 'compose.yaml', 'config'];
      const secrets = { POSTGRES_PASSWORD: 'pw', TESSERA_MASTER_KEY: 'mk', TESSERA_ADMIN_TOKEN: 'at', TESSERA_NETWORK_SECRET: 'ns' };
      const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in secrets)));
      const ok = spawnSync(composeCli!, args, { cwd: ROOT, env: { ...clean, ...secrets }, encoding: 'utf8' });
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('postgres://tessera:pw@postgres:5432/tessera');
      const missing = spawnSync(composeCli!, args, { cwd: ROOT, env: clean, encoding: 'utf8' });
      expect(missing.status).not.toBe(0);
      expect(missing.stderr).toMatch(/set (POSTGRES_PASSWORD|TESSERA_\w+) in \.env/);
    },
  );
});
