#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader (a runtime dependency).
import { register } from 'tsx/esm/api';

register();
const { program } = await import('../app/cli/main.ts');
await program.parseAsync();
