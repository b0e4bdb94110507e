/**
 * The import rules of the layered tree (ARCHITECTURE.md, issue 7). Every rule is an error: `npm run lint` (and so
 * `npm test` and CI) fails on any violation. Run: `npx depcruise src bench test --config .dependency-cruiser.cjs`.
 *
 * Paths are the resolved files, relative to the repository root (`src/merchant/dal.ts`, `node_modules/kysely/…`).
 * Type-only imports are seen too (tsPreCompilationDeps) and count like any other: a domain cannot lean on a vendor
 * or HTTP type either.
 */

/** The domains: vendor-neutral, no HTTP, no generated vendor contracts, no CLI. */
const DOMAINS = '^src/(merchant|issuer|admin|ledger|webhooks|nats|network|cards|keys|vault|store)/';
/** The edges and the HTTP plumbing the domains must not know about. */
const EDGES = '^src/(api|http|contracts|cli)/';
/** The only modules that may hold SQL: each domain's data-access module, the store, the simulator's own stores and schema. */
const DATA_ACCESS = '(^src/store/|/dal\\.ts$|^src/network/simulator/.*store.*\\.ts$|^src/network/simulator/(schema|migrations)\\.ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'No import cycles between modules at run time. A cycle made only through type imports inside one folder is allowed ' +
        '(e.g. the network registry names the networks its providers are typed with); between folders, no-folder-cycles ' +
        'forbids type cycles too.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'No cycles between the folders of src/ (e.g. http ⇄ issuer): each folder depends on others in one direction only.',
      scope: 'folder',
      from: { path: '^src/' },
      to: { path: '^src/', circular: true },
    },
    {
      name: 'domains-not-to-edges',
      severity: 'error',
      comment: 'Edges (api/, http/, cli/) depend on domains, never the reverse; domains never see the generated vendor contracts.',
      from: { path: DOMAINS },
      to: { path: EDGES },
    },
    {
      name: 'domains-not-to-fastify',
      severity: 'error',
      comment:
        'Domains know nothing of HTTP: no fastify (nor its plugins), not even its types. The one exception is the network ' +
        'simulator’s own wire transport (src/network/http/: the HTTP server a remote simulator runs), which is HTTP by nature.',
      from: { path: DOMAINS, pathNot: '^src/network/http/' },
      to: { path: '^node_modules/(fastify|@fastify/)' },
    },
    {
      name: 'sql-only-in-data-access',
      severity: 'error',
      comment:
        'Only data-access modules (*/dal.ts, store/, the network simulator’s stores and schema) use kysely or a database driver. ' +
        'Type-only imports count: a service that names `Kysely` or `Transaction` is one that can write queries on it (every ' +
        'service with inline SQL today imports kysely type-only). A service that must name a transaction uses the store’s type.',
      from: { path: '^src/', pathNot: DATA_ACCESS },
      to: { path: '^node_modules/(kysely|pg|better-sqlite3)/' },
    },
    {
      name: 'vault-self-contained',
      severity: 'error',
      comment: 'The vault (keys, envelopes, capture-key decryption) imports nothing but node builtins, openpgp and its own files.',
      from: { path: '^src/vault/' },
      to: { pathNot: ['^src/vault/', '^node_modules/openpgp/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'src-not-to-tests',
      severity: 'error',
      comment: 'Product code never imports the tests or the benchmark.',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that cannot be resolved is a broken build, and a dependency these rules cannot see.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|data|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
