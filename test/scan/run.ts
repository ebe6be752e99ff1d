// `npm run test:scan` (root; not part of `npm test`): sqlmap, wapiti and
// nmap against a real Kastell process (issue 15 part 4; test/scan/scan.ts).
// KASTELL_SCAN_MINUTES (60) bounds the whole run, KASTELL_SCAN_PARALLEL (6)
// sqlmap runs at once, KASTELL_SCAN_PARAM_SECONDS (120) one sqlmap run (60 s
// plus this per parameter, a password-hashing one counting 8), KASTELL_SCAN_WAPITI_MINUTES (20) wapiti;
// KASTELL_SCAN_TOOLS (sqlmap,wapiti,nmap) the tools to run (trials: the others fail the run); KASTELL_SCAN_ONLY (a regular
// expression over "METHOD /path") narrows the sqlmap targets;
// KASTELL_SCAN_KEEP=1 keeps the scanners' outputs.
import { formatReport, reportIsClean, runScan } from './scan.ts';

const number = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const report = await runScan({
  minutes: number('KASTELL_SCAN_MINUTES', 60),
  parallel: number('KASTELL_SCAN_PARALLEL', 6),
  paramSeconds: number('KASTELL_SCAN_PARAM_SECONDS', 120),
  wapitiMinutes: number('KASTELL_SCAN_WAPITI_MINUTES', 20),
  only: process.env.KASTELL_SCAN_ONLY ? new RegExp(process.env.KASTELL_SCAN_ONLY) : undefined,
  tools: process.env.KASTELL_SCAN_TOOLS ? (process.env.KASTELL_SCAN_TOOLS.split(',') as ('sqlmap' | 'wapiti' | 'nmap')[]) : undefined,
  log: (line) => console.error(line),
});
console.log(formatReport(report));
process.exit(reportIsClean(report) ? 0 : 1);
