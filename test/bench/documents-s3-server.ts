// The S3 stand-in (s3rver, JavaScript) for the documents benchmark, in a
// child process of its own: in the load generator's process it shared one
// event loop with the client that uploads and downloads, so an upload whose
// store write runs while the body arrives (the one pass) slowed its own
// sender. Answers { type: 'ready', s3 } over IPC; { type: 'stop' } ends it.
import { launchS3Server, type RunningS3 } from '../harness/s3.ts';

export type FromS3Server = { type: 'ready'; s3: RunningS3 };

const { dispose, ...s3 } = await launchS3Server(process.argv[2] ?? 'kastell-bench-documents');
process.send!({ type: 'ready', s3 } satisfies FromS3Server);
process.on('message', (message: { type: string }) => {
  if (message.type === 'stop') void dispose().then(() => process.exit(0));
});
process.on('disconnect', () => void dispose().then(() => process.exit(0)));
