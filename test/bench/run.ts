// `npm run bench`: runs each benchmark in turn (add yours to the list).
// `npm run bench -- signin` runs only the named ones.
const benches: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  signin: () => import('./signin.ts'),
};

const wanted = process.argv.slice(2);
for (const [name, load] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`# bench: ${name}`);
  await (await load()).run();
}
