// The evidence pack as a download for the security officer and the external
// auditor (evidence.read): GET /api/v1/evidence/pack, one JSON document with
// every file of the pack in base64 (manifest.json and its signature among
// them). `kastell evidence verify <that file> --key KEY` checks it offline.
// Nothing in it names a person: ASVS mapping, test results, SBOM,
// advisories, drill and backup evidence, the public key, the latest
// checkpoint and verification (chain positions, no events) and trust.json.
import { Hono } from 'hono';
import { z } from 'zod';
import type { FeatureDeps } from '../feature.ts';
import type { AppEnv } from '../http/context.ts';
import { findLatestCheckpoint, findLatestVerification } from '../audit/queries.ts';
import { createTrustFigures } from '../trust/figures.ts';
import { locateTestEvidence } from './asvs.ts';
import { buildEvidencePack, bundleEvidencePack, bundleFormat } from './pack.ts';

const root = new URL('../..', import.meta.url).pathname;

export function evidenceRoutes(deps: FeatureDeps): Hono<AppEnv> {
  const { api, config, audit, db } = deps;
  const trust = createTrustFigures(deps);
  /** The running installation's own evidence: latest signed checkpoint, chain verification, trust.json and its signature. */
  const liveEvidence = async (user: { userId: string }) => {
    const json = (value: unknown) => Buffer.from(JSON.stringify(value, null, 2) + '\n');
    const [checkpoint, verification, snapshot] = await Promise.all([
      db.withPrincipal(null, (tx) => findLatestCheckpoint(tx, audit.keys.publicKeyArmored)),
      db.withPrincipal(user, findLatestVerification),
      trust.snapshot(),
    ]);
    const live = new Map<string, Buffer>([['trust.json', Buffer.from(snapshot.json)], ['trust.json.asc', Buffer.from(snapshot.signature)]]);
    if (checkpoint) live.set('checkpoint.json', json(checkpoint));
    if (verification) live.set('verification.json', json(verification));
    return live;
  };
  api.add({
    method: 'get', path: '/evidence/pack', permission: 'evidence.read', tag: 'evidence',
    summary: 'The signed evidence pack (ASVS 5.0 L2 self-assessment, test results, SBOM, advisories, drill and backup evidence), each file in base64',
    response: z.object({ format: z.literal(bundleFormat), files: z.record(z.string(), z.string()) }),
    handler: async (_c, { user }) => {
      const tests = locateTestEvidence(root, config.trust.releaseDir);
      const files = await buildEvidencePack({
        root, installation: config.publicUrl, releaseDir: config.trust.releaseDir, evidenceDir: config.trust.evidenceDir,
        testResultsPath: tests.resultsPath, annotated: tests.annotated, signingKey: audit.keys.signingKey, publicKeyArmored: audit.keys.publicKeyArmored, releasePublicKey: config.trust.releasePublicKey,
        live: await liveEvidence(user),
      });
      return bundleEvidencePack(files);
    },
  });
  return new Hono<AppEnv>();
}
