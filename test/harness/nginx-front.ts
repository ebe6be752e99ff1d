// nginx in front of Kastell as the appliance puts it there, for the overload
// bench and the proxy's test: the site's own snippet (ansible/roles/nginx/
// files/snippets/kastell-app.conf: the proxying, the bound on requests in
// flight, the busy answers) included as the role installs it, in a
// throw-away nginx.conf with Debian's worker settings and the site
// template's own http-context lines, over plain HTTP on
// 127.0.0.1 (TLS would cost both sides of the comparison alike).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const snippets = new URL('../../ansible/roles/nginx/files/snippets', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const site = new URL('../../ansible/roles/nginx/templates/etc/nginx/sites-available/kastell.conf.j2', import.meta.url).pathname;

/** The site template's http-context lines (the upstream with its kept-alive pool, the zone), for `upstream`. */
function httpContextOfSite(upstream: string): string {
  const template = readFileSync(site, 'utf8');
  const pool = /^upstream kastell_app \{\n[\s\S]*?^\}$/m.exec(template)?.[0];
  const zone = /^limit_conn_zone .*$/m.exec(template)?.[0];
  if (!pool || !zone || !pool.includes('{{ nginx__upstream }}')) throw new Error(`${site}: no upstream kastell_app or limit_conn_zone to run`);
  return `${pool.replace('{{ nginx__upstream }}', upstream)}\n${zone}`;
}

export const nginxInstall = 'apt-get install nginx';

export function nginxVersion(): string | undefined {
  const result = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return result.stderr.trim();
}

export interface NginxFront {
  url: string;
  /** the master's and its workers' process ids */
  pids: () => number[];
  /** the error log's lines at level error and above so far */
  errors: () => string[];
  stop: () => Promise<void>;
}

/** Starts nginx on `port` in front of Kastell at `upstream` (host:port); `dir` holds its config, temp files and logs. */
export async function startNginxFront(dir: string, port: number, upstream: string): Promise<NginxFront> {
  mkdirSync(dir, { recursive: true });
  symlinkSync(snippets, join(dir, 'snippets'));
  // Debian 12's nginx.conf: worker_processes auto, worker_connections 768; the site's http-context lines as the template has them
  writeFileSync(join(dir, 'nginx.conf'), `
worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
daemon off;
events { worker_connections 768; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
${httpContextOfSite(upstream)}
  server {
    listen 127.0.0.1:${port};
    server_name kastell.bench;
    set $kastell_hsts "max-age=63072000";
    include snippets/kastell-app.conf;
  }
}
`);
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk) => { output = (output + chunk).slice(-2000); });
  const url = `http://127.0.0.1:${port}`;
  let ready = false;
  for (let i = 0; i < 200 && !ready && child.exitCode === null; i++) {
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      ready = response.status === 200;
    } catch { /* not yet */ }
    if (!ready) await sleep(50);
  }
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`nginx did not answer /healthz with 200 through to ${upstream}: ${output}`);
  }
  /** the master and its workers */
  const pids = () => {
    const workers = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
    return [child.pid!, ...workers];
  };
  const errors = () => readFileSync(join(dir, 'error.log'), 'utf8').split('\n').filter((line) => /\[(emerg|alert|crit|error)\]/.test(line));
  return {
    url,
    pids,
    errors,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGQUIT');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
