// A real clamd for the upload pipeline, on a unix socket in a private temp
// directory. freshclam cannot reach its mirror from here, so the harness
// writes the signature database itself: the EICAR test file's MD5 signature
// (what every ClamAV ships), nothing else. Limits as the appliance sets them:
// at least the upload limit, and AlertExceedsMax so a file beyond them is
// reported, never passed.
import { after } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The EICAR anti-virus test file (harmless by design; every scanner reports it). */
export const eicar = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

export interface RunningClamd {
  socket: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startClamd(options: { maxMiB?: number } = {}): Promise<RunningClamd> {
  const clamd = await launchClamd(options);
  after(() => clamd.dispose());
  return clamd;
}

/** The same without node:test (the benchmarks): the caller calls dispose(). */
export async function launchClamd(options: { maxMiB?: number } = {}): Promise<RunningClamd & { dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-clamd-'));
  chmodSync(dir, 0o755);
  const db = join(dir, 'db');
  mkdirSync(db);
  const md5 = createHash('md5').update(eicar).digest('hex');
  writeFileSync(join(db, 'eicar.hdb'), `${md5}:${Buffer.byteLength(eicar)}:Eicar-Test-Signature\n`);
  const socket = join(dir, 'clamd.sock');
  const limit = `${options.maxMiB ?? 1100}M`;
  const conf = join(dir, 'clamd.conf');
  writeFileSync(conf, [
    `LocalSocket ${socket}`,
    `DatabaseDirectory ${db}`,
    'Foreground yes',
    `LogFile ${join(dir, 'clamd.log')}`,
    `TemporaryDirectory ${dir}`,
    `StreamMaxLength ${limit}`,
    `MaxFileSize ${limit}`,
    `MaxScanSize ${limit}`,
    `PCREMaxFileSize ${limit}`,
    'MaxScanTime 300000',
    'AlertExceedsMax yes',
    'Bytecode no',
    ...(process.getuid?.() === 0 ? ['User root'] : []),
    '',
  ].join('\n'));
  let child: ChildProcess | undefined;
  const start = async () => {
    rmSync(socket, { force: true });
    child = spawn('/usr/sbin/clamd', ['--config-file', conf], { stdio: 'ignore' });
    const deadline = Date.now() + 60_000;
    while (!existsSync(socket)) {
      if (child.exitCode !== null) throw new Error(`clamd exited with ${child.exitCode}; see ${join(dir, 'clamd.log')}`);
      if (Date.now() > deadline) throw new Error('clamd did not open its socket within 60 s');
      await sleep(100);
    }
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
    rmSync(socket, { force: true });
  };
  await start();
  const dispose = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { socket, stop, start, dispose };
}
