import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;

/** `core/<area>/…` → the area; `api/…`, `workers/…` → that folder; elsewhere null. */
function areaOf(file) {
  const parts = path.relative(root, file).split(path.sep);
  if (parts[0] === 'core') return parts.length > 2 ? `core/${parts[1]}` : null;
  return parts[0] === 'api' || parts[0] === 'workers' ? parts[0] : null;
}

/** A mongoose model factory or bundle of models: `ticketModel`, `accountModels`, `AccountModels`. */
const modelFactory = /^([a-z]\w*Models?|AccountModels)$/;

/**
 * One owner per collection: outside its area nobody imports a collection's model factory or types
 * a `Model<…>` of another area's document; they take the owner's repository (or use case).
 */
const ownCollections = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const here = areaOf(context.filename);
    if (!here) return {};
    /** Local name → the area it was imported from, for names from another area. */
    const foreign = new Map();
    return {
      ImportDeclaration(node) {
        const source = node.source.value;
        if (typeof source !== 'string' || !source.startsWith('.')) return;
        const there = areaOf(path.resolve(path.dirname(context.filename), source));
        // core/platform owns no area's collection: its `defineModel` and generic helpers (the migrations
        // record of `runOnce` included) are for every area.
        if (!there || there === here || !there.startsWith('core/') || there === 'core/platform') return;
        for (const spec of node.specifiers) {
          const imported = spec.type === 'ImportSpecifier' ? (spec.imported.name ?? spec.imported.value) : spec.local.name;
          foreign.set(spec.local.name, there);
          if (modelFactory.test(imported)) {
            context.report({ node: spec, message: `${imported} belongs to ${there}: take its repository from services.ts instead of its model.` });
          }
        }
      },
      TSTypeReference(node) {
        if (node.typeName.type !== 'Identifier' || node.typeName.name !== 'Model') return;
        const argument = (node.typeArguments ?? node.typeParameters)?.params[0];
        if (argument?.type !== 'TSTypeReference' || argument.typeName.type !== 'Identifier') return;
        const there = foreign.get(argument.typeName.name);
        if (there) context.report({ node, message: `Model<${argument.typeName.name}> belongs to ${there}: take its repository instead.` });
      },
    };
  },
};

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', '.cache/', 'dist/', 'api/public/build/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-properties': ['error', {
        object: 'process', property: 'env',
        message: 'Only composition roots read process.env; pass configuration in.',
      }],
    },
  },
  {
    // services.ts, the composition root, is the one place that builds the models of several areas.
    files: ['core/*/**/*.ts', 'api/**/*.ts', 'workers/**/*.ts'],
    plugins: { hotline: { rules: { 'own-collections': ownCollections } } },
    rules: { 'hotline/own-collections': 'error' },
  },
  {
    files: ['core/*/**/*.ts', 'api/**/*.ts', 'workers/**/*.ts'],
    ignores: ['core/tickets/**'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "MemberExpression[object.type='MemberExpression'][object.property.name='tickets'][property.name=/^(tickets|events)$/]",
        message: "The tickets' models belong to core/tickets: use the Tickets use case or the TicketRepository.",
      }],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['api/server.ts', 'workers/worker.ts', 'scripts/**', 'test/**', 'bench/**', 'eslint.config.js'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
