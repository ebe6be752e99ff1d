// `npm run test:crash`: the full crash-consistency run (issue 15 part 1) —
// at least 50 kills of PostgreSQL or Kastell under load, bounded in time.
// Options: --kills N (default 50), --clients N (4), --minutes N (15), --seed N.
import { formatReport, reportIsClean, runCrash } from './driver.ts';

const arg = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const seedArg = process.argv.indexOf('--seed');
const report = await runCrash({
  kills: arg('kills', 50),
  clients: arg('clients', 4),
  maxMs: arg('minutes', 15) * 60_000,
  ...(seedArg > 0 ? { seed: Number(process.argv[seedArg + 1]) } : {}),
  log: (line) => console.error(line),
});
console.log(formatReport(report));
process.exit(reportIsClean(report) && report.kills.total >= arg('kills', 50) ? 0 : 1);
