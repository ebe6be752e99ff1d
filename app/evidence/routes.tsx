// The evidence pack as a download for the security officer and the external
// auditor (evidence.read): GET /api/v1/evidence/pack, one JSON document with
// every file of the pack in base64 (manifest.json and its signature among
// them). `kastell evidence verify <that file> --key KEY` checks it offline.
// Nothing in it names a person: ASVS mapping, test results, SBOM,
// advisories, drill and backup evidence, the public key.
import { Hono } from 'hono';
import { z } from 'zod';
import type { FeatureDeps } from '../feature.ts';
import type { AppEnv } from '../http/context.ts';
import { locateTestEvidence } from './asvs.ts';
import { buildEvidencePack, bundleEvidencePack, bundleFormat } from './pack.ts';

const root = new URL('../..', import.meta.url).pathname;

export function evidenceRoutes({ api, config, audit }: FeatureDeps): Hono<AppEnv> {
  api.add({
    method: 'get', path: '/evidence/pack', permission: 'evidence.read', tag: 'evidence',
    summary: 'The signed evidence pack (ASVS 5.0 L2 self-assessment, test results, SBOM, advisories, drill and backup evidence), each file in base64',
    response: z.object({ format: z.literal(bundleFormat), files: z.record(z.string(), z.string()) }),
    handler: async () => {
      const tests = locateTestEvidence(root, config.trust.releaseDir);
      const files = await buildEvidencePack({
        root, installation: config.publicUrl, releaseDir: config.trust.releaseDir, evidenceDir: config.trust.evidenceDir,
        testResultsPath: tests.resultsPath, annotated: tests.annotated, signingKey: audit.keys.signingKey, publicKeyArmored: audit.keys.publicKeyArmored,
      });
      return bundleEvidencePack(files);
    },
  });
  return new Hono<AppEnv>();
}
