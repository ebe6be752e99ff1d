// The house rules for imports (STYLE.md "Layout"), checked in `npm test` by
// test/foundation/dependency-rules.test.ts: no cycles, and the shared core
// never imports a feature. The core is app/{http,db,i18n,crypto,storage,mail}
// plus app/config.ts, app/log.ts and app/schedule.ts; every other folder under app/ is a feature.
const core = '^app/(http|db|i18n|crypto|storage|mail)/';
const coreFiles = '^app/(config|log|schedule)[.]ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Nothing imports in a circle, type-only imports included.',
      from: { path: '^app/' },
      to: { circular: true },
    },
    {
      name: 'core-imports-no-feature',
      severity: 'error',
      comment: 'The shared core knows no feature: features build on it, never the reverse.',
      from: { path: [core, coreFiles] },
      to: { path: '^app/', pathNot: [core, coreFiles] },
    },
    {
      name: 'only-the-server-builds-the-app',
      severity: 'error',
      comment: 'app/app.tsx is the composition root: features never import it.',
      from: { path: '^app/', pathNot: '^app/server[.]ts$' },
      to: { path: '^app/app[.]tsx$' },
    },
    {
      name: 'resolvable',
      severity: 'error',
      from: { path: '^app/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.js', '.mjs'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
    },
  },
};
