// A module hook for test/foundation/cli-start.test.ts: appends every URL the
// process resolves to the file in KASTELL_RECORD_MODULES.
import { register } from 'node:module';

register('./record-modules-hooks.mjs', import.meta.url, { data: { file: process.env.KASTELL_RECORD_MODULES } });
