// Layers that only point down (../shared/DESIGN.md): domain ← redis, azure ← checks ← diagnosis ← runbook, report
// ← the application core ← surfaces (cli, terminal, slack). `npm test` runs this; a broken rule names the import.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle: each module in it would need the others first. Move the shared words down (src/domain/).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-imports-nothing',
      severity: 'error',
      comment: 'src/domain/ is the vocabulary every layer takes its words from; it imports nothing of ours.',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/domain/' },
    },
    {
      name: 'readers-know-no-checks',
      severity: 'error',
      comment: 'src/redis/ and src/azure/ read at the edge; they know nothing of checks, diagnosis, runbooks, reports or surfaces.',
      from: { path: '^src/(redis|azure)/' },
      to: { path: '^src/', pathNot: '^src/(domain|redis|azure)/|^src/redact[.]ts$' },
    },
    {
      name: 'checks-gather-evidence-only',
      severity: 'error',
      comment: 'Checks gather evidence, never judge it: no diagnosis, runbook, report, state or surface.',
      from: { path: '^src/checks/' },
      to: { path: '^src/', pathNot: '^src/(domain|redis|azure|checks)/|^src/redact[.]ts$' },
    },
    {
      name: 'diagnosis-imports-only-domain',
      severity: 'error',
      comment: 'The diagnosis is pure: evidence in, ids, likelihoods, scores and signals out. The runbook words come in src/report/build.ts.',
      from: { path: '^src/diagnosis/' },
      to: { path: '^src/', pathNot: '^src/(domain|diagnosis)/' },
    },
    {
      name: 'runbook-knows-no-report',
      severity: 'error',
      comment: 'The runbook engine and its words sit beside the report, not above it; neither do they judge evidence.',
      from: { path: '^src/runbook/' },
      to: { path: '^src/(report|diagnosis|checks)/' },
    },
    {
      name: 'report-knows-no-readers',
      severity: 'error',
      comment: 'The report is built from a diagnosis and the runbook words; it reads no cache and no configuration.',
      from: { path: '^src/report/' },
      to: { path: '^src/(redis|azure|checks|config|state)/' },
    },
    {
      name: 'no-layer-imports-a-surface',
      severity: 'error',
      comment: 'Surfaces (cli, terminal, slack) are thin adapters on top; nothing below may import one.',
      from: { path: '^src/', pathNot: '^src/(cli|terminal|slack)/' },
      to: { path: '^src/(cli|terminal|slack)/' },
    },
    {
      name: 'surfaces-stand-alone',
      severity: 'error',
      comment: 'The terminal and Slack share the core, not each other; only src/cli/ (the entry) picks one.',
      from: { path: '^src/(terminal|slack)/' },
      to: { path: '^src/(terminal|slack|cli)/', pathNot: '^src/$1/' },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      comment: 'Test-only code stays out of src/: tests inject what they need.',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
