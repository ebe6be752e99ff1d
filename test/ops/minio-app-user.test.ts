// Kastell's MinIO credentials are a user limited to its bucket, never the
// root user: the kastell role copies only the user the minio role made, and
// that user's policy names only the bucket and its objects, without admin
// or wildcard actions. (MinIO itself cannot run here: the VM suite does not
// run the role either; ansible-lint checks it.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const read = (path: string) => readFileSync(new URL(`../../ansible/roles/${path}`, import.meta.url), 'utf8');

// asvs: V13.2.2 V13.2.3
test('the kastell role gives the app the limited user, not the root credentials', () => {
  const kastell = read('kastell/tasks/main.yml');
  assert.doesNotMatch(kastell, /MINIO_ROOT/, 'the app must not get the root credentials');
  assert.match(kastell, /\{ from: KASTELL_APP_ACCESS_KEY, to: KASTELL_S3_ACCESS_KEY \}/);
  assert.match(kastell, /\{ from: KASTELL_APP_SECRET_KEY, to: KASTELL_S3_SECRET_KEY \}/);
});

test("the minio role makes that user with a policy limited to Kastell's bucket", () => {
  const minio = read('minio/tasks/main.yml');
  assert.match(minio, /KASTELL_APP_SECRET_KEY/);
  assert.match(minio, /mc admin user add local "\{\{ minio__app_user \}\}"/);
  assert.match(minio, /mc admin policy attach local kastell-app --user "\{\{ minio__app_user \}\}"/);
  const resources = [...minio.matchAll(/Resource: \[([^\]]*)\]/g)].flatMap(([, list]) => list!.split(',').map((r) => r.trim()));
  assert.deepEqual(resources.sort(), ['"arn:aws:s3:::{{ minio__bucket }}"', '"arn:aws:s3:::{{ minio__bucket }}/*"']);
  const actions = [...minio.matchAll(/Action: \[([^\]]*)\]/g)].flatMap(([, list]) => list!.split(',').map((a) => a.trim().replace(/"/g, '')));
  assert.ok(actions.length > 0);
  for (const action of actions) assert.match(action, /^s3:[A-Za-z]+$/, `${action}: only named S3 actions, no wildcard or admin`);
});
