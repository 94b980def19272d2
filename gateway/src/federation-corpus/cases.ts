import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';

/**
 * Federation patterns, each its own small supergraph, with the answer a correct gateway gives.
 * The subgraphs are in-memory Apollo subgraphs; several carry resolvers that fail loudly when a
 * plan reaches a subgraph it must not use (the answer then carries an error instead of data), so a
 * plan that differs from the stock one shows in the answer, not only in the timings.
 * Several cases follow graphql-hive/federation-gateway-audit (named in each), cut down to the
 * operations that exercise the pattern.
 */

export interface CorpusSubgraph {
  readonly name: string;
  /** The subgraph's SDL, federation 2 (`extend schema @link(...)`). */
  readonly typeDefs: string;
  readonly resolvers: GraphQLResolverMap<unknown>;
}

/** An error the answer must carry: its path (absent for a request-level error) and what its message says. */
export interface ExpectedError {
  readonly path?: readonly (string | number)[];
  readonly message: RegExp;
}

export interface ExpectedAnswer {
  readonly data: unknown;
  /** Absent: the answer has no `errors` key at all. */
  readonly errors?: readonly ExpectedError[];
}

export interface CorpusOperation {
  readonly name: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly expected: ExpectedAnswer;
}

export interface FederationCase {
  readonly name: string;
  /** What the case exercises and why a document rewrite would change its answer. */
  readonly pattern: string;
  readonly subgraphs: readonly CorpusSubgraph[];
  readonly operations: readonly CorpusOperation[];
}

const FEDERATION = (imports: readonly string[]) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [${imports.map((i) => `"${i}"`).join(', ')}])`;

/** A resolver the plan must never reach: the answer then says so in an error. */
const forbidden = (what: string) => () => {
  throw new Error(`planned through the wrong subgraph: ${what}`);
};

// ---------------------------------------------------------------------------------------------
// An interface field with @provides (audit: provides-on-interface)
// ---------------------------------------------------------------------------------------------

const MEDIA = { id: 'm1', animals: ['a1', 'a2'] };
const ANIMALS = [
  { __typename: 'Dog', id: 'a1', name: 'Fido', age: 3 },
  { __typename: 'Cat', id: 'a2', name: 'Whiskers', age: 6 },
] as const;
const animal = (id: string) => ANIMALS.find((a) => a.id === id) ?? null;

const providesOnInterface: FederationCase = {
  name: 'interface field with @provides',
  pattern:
    '`media` in b provides `animals { id name }` on an interface; only b may answer it, and a and c refuse. An added `__typename` under `animals` (not among what b provides) makes the planner take `media` from a, which refuses; one on `media` itself does not.',
  subgraphs: [
    {
      name: 'a',
      typeDefs: `${FEDERATION(['@key', '@shareable', '@external', '@provides'])}
        type Query {
          media: Media @shareable
          book: Book @provides(fields: "animals { ... on Dog { name } }")
        }
        interface Media { id: ID! }
        interface Animal { id: ID! }
        type Book implements Media @key(fields: "id") { id: ID! animals: [Animal] @shareable }
        type Dog implements Animal @key(fields: "id") { id: ID! @external name: String @external }
        type Cat implements Animal @key(fields: "id") { id: ID! @external }`,
      resolvers: {
        Query: {
          media: forbidden("a's media: b provides the animals' names"),
          book: () => ({
            __typename: 'Book',
            id: MEDIA.id,
            animals: MEDIA.animals.map((id) => {
              const found = animal(id);
              if (!found) return null;
              return found.__typename === 'Dog'
                ? { __typename: 'Dog', id: found.id, name: found.name }
                : { __typename: found.__typename, id: found.id };
            }),
          }),
        },
      },
    },
    {
      name: 'b',
      typeDefs: `${FEDERATION(['@key', '@shareable', '@provides', '@external'])}
        type Query { media: Media @shareable @provides(fields: "animals { id name }") }
        interface Media { id: ID! animals: [Animal] }
        interface Animal { id: ID! name: String }
        type Book implements Media { id: ID! @shareable animals: [Animal] @external }
        type Dog implements Animal { id: ID! @external name: String @external }
        type Cat implements Animal { id: ID! @external name: String @external }`,
      resolvers: {
        Query: {
          media: () => ({
            __typename: 'Book',
            id: MEDIA.id,
            animals: MEDIA.animals.map((id) => {
              const found = animal(id);
              return found ? { __typename: found.__typename, id: found.id, name: found.name } : null;
            }),
          }),
        },
      },
    },
    {
      name: 'c',
      typeDefs: `${FEDERATION(['@key', '@shareable'])}
        interface Media { id: ID! animals: [Animal] }
        interface Animal { id: ID! name: String }
        type Book implements Media @key(fields: "id") { id: ID! animals: [Animal] @shareable }
        type Dog implements Animal @key(fields: "id") { id: ID! name: String @shareable age: Int }
        type Cat implements Animal @key(fields: "id") { id: ID! name: String @shareable age: Int }`,
      resolvers: {
        Book: {
          __resolveReference: (key: { id: string }) =>
            key.id === MEDIA.id ? { __typename: 'Book', id: MEDIA.id, animals: MEDIA.animals } : null,
          animals: (book: { animals: string[] }) => book.animals.map(animal),
        },
        Dog: { __resolveReference: forbidden("c's Dog: b provides the dog's name and nothing asks its age") },
        Cat: {
          __resolveReference: (key: { id: string }) => animal(key.id),
          age: (cat: { id: string }) => animal(cat.id)?.age ?? null,
        },
      },
    },
  ],
  operations: [
    {
      name: 'provided names',
      query: '{ media { id animals { id name } } }',
      expected: {
        data: {
          media: {
            id: 'm1',
            animals: [
              { id: 'a1', name: 'Fido' },
              { id: 'a2', name: 'Whiskers' },
            ],
          },
        },
      },
    },
    {
      name: 'provided names and a field only c has',
      query: '{ media { id animals { id name ... on Cat { age } } } }',
      expected: {
        data: {
          media: {
            id: 'm1',
            animals: [
              { id: 'a1', name: 'Fido' },
              { id: 'a2', name: 'Whiskers', age: 6 },
            ],
          },
        },
      },
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// @requires (audit: simple-requires-provides, cut down)
// ---------------------------------------------------------------------------------------------

const PRODUCTS = [
  { upc: 'p1', name: 'p-name-1', price: 11, weight: 1 },
  { upc: 'p2', name: 'p-name-2', price: 22, weight: 2 },
] as const;
const product = (upc: string) => PRODUCTS.find((p) => p.upc === upc) ?? null;

const requires: FederationCase = {
  name: '@requires',
  pattern:
    "inventory's shippingEstimate requires products' price and weight: the gateway fetches them first and hands them over in the representation.",
  subgraphs: [
    {
      name: 'products',
      typeDefs: `${FEDERATION(['@key'])}
        type Query { products: [Product] }
        type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`,
      resolvers: {
        Query: { products: () => PRODUCTS },
        Product: { __resolveReference: (key: { upc: string }) => product(key.upc) },
      },
    },
    {
      name: 'inventory',
      typeDefs: `${FEDERATION(['@key', '@external', '@requires'])}
        type Product @key(fields: "upc") {
          upc: String!
          weight: Int @external
          price: Int @external
          inStock: Boolean
          shippingEstimate: Int @requires(fields: "price weight")
        }`,
      resolvers: {
        Product: {
          // Only what the representation carries: a missing price or weight shows as a null estimate.
          __resolveReference: (key: { upc: string; price?: number; weight?: number }) => ({ ...key }),
          inStock: (p: { upc: string }) => p.upc === 'p1',
          shippingEstimate: (p: { price?: number; weight?: number }) =>
            p.price === undefined || p.weight === undefined ? null : p.price * p.weight * 10,
        },
      },
    },
  ],
  operations: [
    {
      name: 'a required field alone',
      query: '{ products { shippingEstimate } }',
      expected: { data: { products: [{ shippingEstimate: 110 }, { shippingEstimate: 440 }] } },
    },
    {
      name: 'a required field beside the fields it requires',
      query: '{ products { upc shippingEstimate weight price inStock } }',
      expected: {
        data: {
          products: [
            { upc: 'p1', shippingEstimate: 110, weight: 1, price: 11, inStock: true },
            { upc: 'p2', shippingEstimate: 440, weight: 2, price: 22, inStock: false },
          ],
        },
      },
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// A key field no subgraph resolves (audit: null-keys)
// ---------------------------------------------------------------------------------------------

const BOOKS = [
  { id: '1', upc: 'b1', author: { id: 'a1', name: 'Alice' } },
  { id: '2', upc: 'b2', author: { id: 'a2', name: 'Bob' } },
  { id: '3', upc: 'b3', author: { id: 'a3', name: 'Jack' } },
] as const;

const unresolvableKey: FederationCase = {
  name: 'key field no subgraph resolves',
  pattern:
    "a knows books by upc; only b maps upc to id, c's key, and b has no book b3 (its reference resolver answers null). b3's author cannot be reached, so it is null, without an error (as Hive Router and Apollo Gateway both answer); the book itself stands with its upc. An added `id` (non-null, a key only b gives) is null for b3 and nulls the whole book.",
  subgraphs: [
    {
      name: 'a',
      typeDefs: `${FEDERATION(['@key'])}
        type Query { bookContainers: [BookContainer] }
        type BookContainer { book: Book }
        type Book @key(fields: "upc") { upc: ID! }`,
      resolvers: {
        Query: { bookContainers: () => BOOKS.map((book) => ({ book: { upc: book.upc } })) },
        Book: { __resolveReference: (key: { upc: string }) => ({ upc: key.upc }) },
      },
    },
    {
      name: 'b',
      typeDefs: `${FEDERATION(['@key'])}
        type Book @key(fields: "id") @key(fields: "upc") { id: ID! upc: ID! }`,
      resolvers: {
        Book: {
          __resolveReference: (key: { id?: string; upc?: string }) => {
            const book = BOOKS.find((b) => b.id === key.id || b.upc === key.upc);
            return book && book.id !== '3' ? { id: book.id, upc: book.upc } : null;
          },
        },
      },
    },
    {
      name: 'c',
      typeDefs: `${FEDERATION(['@key'])}
        type Book @key(fields: "id") { id: ID! author: Author }
        type Author { id: ID! name: String }`,
      resolvers: {
        Book: {
          __resolveReference: (key: { id: string }) => {
            const book = BOOKS.find((b) => b.id === key.id);
            if (!book) throw new Error(`no book ${key.id}`);
            return book;
          },
        },
      },
    },
  ],
  operations: [
    {
      name: 'upc and author',
      query: '{ bookContainers { book { upc author { name } } } }',
      expected: {
        data: {
          bookContainers: [
            { book: { upc: 'b1', author: { name: 'Alice' } } },
            { book: { upc: 'b2', author: { name: 'Bob' } } },
            { book: { upc: 'b3', author: null } },
          ],
        },
      },
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// An entity behind an interface
// ---------------------------------------------------------------------------------------------

const ITEMS = [
  { __typename: 'Book', id: 'i1', title: 'Middlemarch', pages: 880 },
  { __typename: 'Film', id: 'i2', title: 'Brief Encounter', minutes: 86 },
] as const;
const item = (id: string) => ITEMS.find((i) => i.id === id) ?? null;

const entityBehindInterface: FederationCase = {
  name: 'entity behind an interface',
  pattern:
    'catalog answers a list of the Item interface; each implementation is an entity whose other fields live in details, reached by its key through the concrete type.',
  subgraphs: [
    {
      name: 'catalog',
      typeDefs: `${FEDERATION(['@key'])}
        type Query { items: [Item!]! item(id: ID!): Item }
        interface Item { id: ID! title: String! }
        type Book implements Item @key(fields: "id") { id: ID! title: String! }
        type Film implements Item @key(fields: "id") { id: ID! title: String! }`,
      resolvers: {
        Query: { items: () => ITEMS, item: (_: unknown, args: { id: string }) => item(args.id) },
        Item: { __resolveType: (i: { __typename: string }) => i.__typename },
      },
    },
    {
      name: 'details',
      typeDefs: `${FEDERATION(['@key'])}
        type Book @key(fields: "id") { id: ID! pages: Int! }
        type Film @key(fields: "id") { id: ID! minutes: Int! }`,
      resolvers: {
        Book: { __resolveReference: (key: { id: string }) => item(key.id) },
        Film: { __resolveReference: (key: { id: string }) => item(key.id) },
      },
    },
  ],
  operations: [
    {
      name: 'a list of the interface, fields of each implementation from the other subgraph',
      query: '{ items { __typename title ... on Book { pages } ... on Film { minutes } } }',
      expected: {
        data: {
          items: [
            { __typename: 'Book', title: 'Middlemarch', pages: 880 },
            { __typename: 'Film', title: 'Brief Encounter', minutes: 86 },
          ],
        },
      },
    },
    {
      name: 'one item by id',
      query: '{ item(id: "i2") { title ... on Film { minutes } } }',
      expected: { data: { item: { title: 'Brief Encounter', minutes: 86 } } },
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Node-style id lookups (audit: corrupted-supergraph-node-id)
// ---------------------------------------------------------------------------------------------

const ACCOUNT = { id: 'a1', username: 'a1-username' };
const CHAT = { id: 'c1', accountId: 'a1', text: 'c1-text' };

const nodeLookups: FederationCase = {
  name: 'Node-style id lookups',
  pattern:
    '`node(id:)` is shareable, and each subgraph answers it with an id it does not own (`never`): the id of a node can only be asked of the subgraph that owns the type, which the planner cannot know under the interface. `node { id }` cannot be planned; `node { __typename ... on X { id } }` can. An added `id` on the interface turns the second into the first.',
  subgraphs: [
    {
      name: 'a',
      typeDefs: `${FEDERATION(['@key', '@shareable', '@external'])}
        type Query { node(id: ID!): Node @shareable account(id: String!): Account }
        interface Node { id: ID! }
        type Account implements Node @key(fields: "id") { id: ID! username: String! }
        type Chat implements Node @key(fields: "id") { id: ID! @external account: Account! }`,
      resolvers: {
        Query: {
          node: (_: unknown, args: { id: string }) =>
            args.id === ACCOUNT.id
              ? { __typename: 'Account', ...ACCOUNT }
              : args.id === CHAT.id
                ? { __typename: 'Chat', id: 'never', accountId: CHAT.accountId }
                : null,
          account: (_: unknown, args: { id: string }) => (args.id === ACCOUNT.id ? ACCOUNT : null),
        },
        Node: { __resolveType: (n: { __typename: string }) => n.__typename },
        Account: { __resolveReference: (key: { id: string }) => (key.id === ACCOUNT.id ? ACCOUNT : null) },
        Chat: {
          __resolveReference: (key: { id: string }) => (key.id === CHAT.id ? CHAT : null),
          account: () => ACCOUNT,
        },
      },
    },
    {
      name: 'b',
      typeDefs: `${FEDERATION(['@key', '@shareable', '@external'])}
        type Query { node(id: ID!): Node @shareable chat(id: String!): Chat }
        interface Node { id: ID! }
        type Account implements Node @key(fields: "id") { id: ID! @external chats: [Chat!]! }
        type Chat implements Node @key(fields: "id") { id: ID! text: String! }`,
      resolvers: {
        Query: {
          node: (_: unknown, args: { id: string }) =>
            args.id === ACCOUNT.id
              ? { __typename: 'Account', id: 'never' }
              : args.id === CHAT.id
                ? { __typename: 'Chat', ...CHAT }
                : null,
          chat: (_: unknown, args: { id: string }) => (args.id === CHAT.id ? CHAT : null),
        },
        Node: { __resolveType: (n: { __typename: string }) => n.__typename },
        Account: {
          __resolveReference: (key: { id: string }) => (key.id === ACCOUNT.id ? { id: key.id } : null),
          chats: (account: { id: string }) => (account.id === CHAT.accountId ? [CHAT] : []),
        },
        Chat: { __resolveReference: (key: { id: string }) => (key.id === CHAT.id ? CHAT : null) },
      },
    },
  ],
  operations: [
    {
      name: 'typenames, with an id asked only under a type each node is not',
      query:
        '{ account: node(id: "a1") { __typename ... on Chat { id } } chat: node(id: "c1") { __typename ... on Account { id } } }',
      expected: { data: { account: { __typename: 'Account' }, chat: { __typename: 'Chat' } } },
    },
    {
      name: 'fields of each node under its own type',
      query:
        '{ account: node(id: "a1") { ... on Account { id username } } chat: node(id: "c1") { ... on Chat { id text } } }',
      expected: {
        data: { account: { id: 'a1', username: 'a1-username' }, chat: { id: 'c1', text: 'c1-text' } },
      },
    },
    {
      name: 'an account and its chats through the entities',
      query: '{ account(id: "a1") { username chats { text account { username } } } }',
      expected: {
        data: {
          account: { username: 'a1-username', chats: [{ text: 'c1-text', account: { username: 'a1-username' } }] },
        },
      },
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// @shareable fields
// ---------------------------------------------------------------------------------------------

const SHARED = [
  { id: 's1', name: 'Scalpel', size: { width: 1, height: 15 }, price: 12 },
  { id: 's2', name: 'Stethoscope', size: { width: 20, height: 70 }, price: 85 },
] as const;
const shared = (id: string) => SHARED.find((s) => s.id === id) ?? null;

const shareable: FederationCase = {
  name: '@shareable fields',
  pattern:
    'two subgraphs both answer `products`, `name` and the value type `Size`; only one has `price`. The planner picks the subgraph that answers the whole selection in one fetch when it can.',
  subgraphs: [
    {
      name: 'store',
      typeDefs: `${FEDERATION(['@key', '@shareable'])}
        type Query { products: [Product!]! @shareable }
        type Product @key(fields: "id") { id: ID! name: String! @shareable size: Size! @shareable }
        type Size @shareable { width: Int! height: Int! }`,
      resolvers: {
        Query: { products: () => SHARED },
        Product: { __resolveReference: (key: { id: string }) => shared(key.id) },
      },
    },
    {
      name: 'pricing',
      typeDefs: `${FEDERATION(['@key', '@shareable'])}
        type Query { products: [Product!]! @shareable }
        type Product @key(fields: "id") { id: ID! name: String! @shareable size: Size! @shareable price: Int! }
        type Size @shareable { width: Int! height: Int! }`,
      resolvers: {
        Query: { products: () => SHARED },
        Product: { __resolveReference: (key: { id: string }) => shared(key.id) },
      },
    },
  ],
  operations: [
    {
      name: 'shared fields and a value type',
      query: '{ products { name size { width height } } }',
      expected: {
        data: {
          products: [
            { name: 'Scalpel', size: { width: 1, height: 15 } },
            { name: 'Stethoscope', size: { width: 20, height: 70 } },
          ],
        },
      },
    },
    {
      name: 'shared fields beside a field one subgraph has',
      query: '{ products { id name price size { height } } }',
      expected: {
        data: {
          products: [
            { id: 's1', name: 'Scalpel', price: 12, size: { height: 15 } },
            { id: 's2', name: 'Stethoscope', price: 85, size: { height: 70 } },
          ],
        },
      },
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Null entities
// ---------------------------------------------------------------------------------------------

const PARTS = [
  { id: 'n1', label: 'one' },
  { id: 'n2', label: 'two' },
  { id: 'n3', label: 'three' },
] as const;
/** What stock knows of each part; it has nothing for n2. */
const STOCK: Readonly<Record<string, { level: number; bin: string }>> = {
  n1: { level: 4, bin: 'A1' },
  n3: { level: 0, bin: 'C3' },
};

const nullEntities: FederationCase = {
  name: 'null entities',
  pattern:
    "stock's reference resolver answers null for a part it does not know: its nullable fields are null, and a non-null one nulls the part, as GraphQL's null propagation says.",
  subgraphs: [
    {
      name: 'parts',
      typeDefs: `${FEDERATION(['@key'])}
        type Query { parts: [Part] }
        type Part @key(fields: "id") { id: ID! label: String! }`,
      resolvers: { Query: { parts: () => PARTS } },
    },
    {
      name: 'stock',
      typeDefs: `${FEDERATION(['@key'])}
        type Part @key(fields: "id") { id: ID! level: Int bin: String! }`,
      resolvers: {
        Part: {
          __resolveReference: (key: { id: string }) => {
            const known = STOCK[key.id];
            return known ? { id: key.id, ...known } : null;
          },
        },
      },
    },
  ],
  operations: [
    {
      name: 'a nullable field of a null entity',
      query: '{ parts { id label level } }',
      expected: {
        data: {
          parts: [
            { id: 'n1', label: 'one', level: 4 },
            { id: 'n2', label: 'two', level: null },
            { id: 'n3', label: 'three', level: 0 },
          ],
        },
      },
    },
    {
      name: 'a non-null field of a null entity',
      query: '{ parts { label bin } }',
      expected: {
        // No `errors`: Hive Router and Apollo Gateway (which reports it under extensions.valueCompletion)
        // both null the part silently; the corpus pins what stock gateways answer, not the spec's ideal.
        data: { parts: [{ label: 'one', bin: 'A1' }, null, { label: 'three', bin: 'C3' }] },
      },
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// An @external field with @provides on a list
// ---------------------------------------------------------------------------------------------

const PEOPLE = [
  { id: 'u1', name: 'Ada', email: 'ada@example.nhs.uk' },
  { id: 'u2', name: 'Grace', email: 'grace@example.nhs.uk' },
] as const;

const providesOnList: FederationCase = {
  name: '@external field with @provides on a list',
  pattern:
    "reviews' `reviewers` (a list) provides the external `name`; accounts, which owns `name`, must not be asked for it, and is asked only for `email`.",
  subgraphs: [
    {
      name: 'accounts',
      typeDefs: `${FEDERATION(['@key', '@shareable'])}
        type User @key(fields: "id") { id: ID! name: String! @shareable email: String! }`,
      resolvers: {
        User: {
          __resolveReference: (key: { id: string }) => PEOPLE.find((p) => p.id === key.id) ?? null,
          name: forbidden("accounts' name: reviews provides it"),
        },
      },
    },
    {
      name: 'reviews',
      typeDefs: `${FEDERATION(['@key', '@external', '@provides'])}
        type Query { reviewers: [User!]! @provides(fields: "name") }
        type User @key(fields: "id") { id: ID! name: String! @external reviewCount: Int! }`,
      resolvers: {
        Query: { reviewers: () => PEOPLE.map(({ id, name }) => ({ id, name })) },
        User: { reviewCount: (u: { id: string }) => (u.id === 'u1' ? 3 : 1) },
      },
    },
  ],
  operations: [
    {
      name: 'the provided field',
      query: '{ reviewers { name reviewCount } }',
      expected: {
        data: {
          reviewers: [
            { name: 'Ada', reviewCount: 3 },
            { name: 'Grace', reviewCount: 1 },
          ],
        },
      },
    },
    {
      name: 'the provided field and one only the owner has',
      query: '{ reviewers { name email } }',
      expected: {
        data: {
          reviewers: [
            { name: 'Ada', email: 'ada@example.nhs.uk' },
            { name: 'Grace', email: 'grace@example.nhs.uk' },
          ],
        },
      },
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// @override
// ---------------------------------------------------------------------------------------------

const TARIFFS = [
  { id: 't1', name: 'Outpatient first', price: 160 },
  { id: 't2', name: 'Outpatient follow-up', price: 80 },
] as const;

const override: FederationCase = {
  name: '@override',
  pattern:
    'pricing overrides `price` from legacy, which still has a resolver for it: every price must come from pricing.',
  subgraphs: [
    {
      name: 'legacy',
      typeDefs: `${FEDERATION(['@key'])}
        type Query { tariffs: [Tariff!]! }
        type Tariff @key(fields: "id") { id: ID! name: String! price: Int! }`,
      resolvers: {
        Query: { tariffs: () => TARIFFS },
        Tariff: { price: forbidden("legacy's price: pricing overrides it") },
      },
    },
    {
      name: 'pricing',
      typeDefs: `${FEDERATION(['@key', '@override'])}
        type Tariff @key(fields: "id") { id: ID! price: Int! @override(from: "legacy") }`,
      resolvers: {
        Tariff: { __resolveReference: (key: { id: string }) => TARIFFS.find((t) => t.id === key.id) ?? null },
      },
    },
  ],
  operations: [
    {
      name: 'the overridden field',
      query: '{ tariffs { name price } }',
      expected: {
        data: {
          tariffs: [
            { name: 'Outpatient first', price: 160 },
            { name: 'Outpatient follow-up', price: 80 },
          ],
        },
      },
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// An abstract type across subgraphs
// ---------------------------------------------------------------------------------------------

const RESULTS = [
  { __typename: 'Clinic', id: 'k1', title: 'Eye clinic', weekday: 'Tuesday' },
  { __typename: 'Leaflet', id: 'l1', title: 'Cataract surgery', pages: 4 },
  { __typename: 'Clinic', id: 'k2', title: 'Fracture clinic', weekday: 'Friday' },
] as const;
const result = (id: string) => RESULTS.find((r) => r.id === id) ?? null;

const abstractAcrossSubgraphs: FederationCase = {
  name: 'abstract type across subgraphs',
  pattern:
    'search answers a union whose members are entities; search and directory each add fields to them, and the interface Titled is implemented in both. Fragments on the union, the interface and the members select from both subgraphs.',
  subgraphs: [
    {
      name: 'search',
      typeDefs: `${FEDERATION(['@key', '@shareable'])}
        type Query { search(term: String!): [Result!]! }
        union Result = Clinic | Leaflet
        interface Titled { title: String! }
        type Clinic implements Titled @key(fields: "id") { id: ID! title: String! @shareable }
        type Leaflet implements Titled @key(fields: "id") { id: ID! title: String! @shareable }`,
      resolvers: {
        Query: { search: () => RESULTS },
        Result: { __resolveType: (r: { __typename: string }) => r.__typename },
        Titled: { __resolveType: (r: { __typename: string }) => r.__typename },
      },
    },
    {
      name: 'directory',
      typeDefs: `${FEDERATION(['@key', '@shareable'])}
        interface Titled { title: String! }
        type Clinic implements Titled @key(fields: "id") { id: ID! title: String! @shareable weekday: String! }
        type Leaflet implements Titled @key(fields: "id") { id: ID! title: String! @shareable pages: Int! }`,
      resolvers: {
        Titled: { __resolveType: (r: { __typename: string }) => r.__typename },
        Clinic: { __resolveReference: (key: { id: string }) => result(key.id) },
        Leaflet: { __resolveReference: (key: { id: string }) => result(key.id) },
      },
    },
  ],
  operations: [
    {
      name: 'members of a union, with fields from both subgraphs',
      query: '{ search(term: "eye") { __typename ... on Clinic { title weekday } ... on Leaflet { pages } } }',
      expected: {
        data: {
          search: [
            { __typename: 'Clinic', title: 'Eye clinic', weekday: 'Tuesday' },
            { __typename: 'Leaflet', pages: 4 },
            { __typename: 'Clinic', title: 'Fracture clinic', weekday: 'Friday' },
          ],
        },
      },
    },
    {
      name: 'an interface fragment inside a union',
      query: '{ search(term: "eye") { ... on Titled { title } ... on Clinic { weekday } } }',
      expected: {
        data: {
          search: [
            { title: 'Eye clinic', weekday: 'Tuesday' },
            { title: 'Cataract surgery' },
            { title: 'Fracture clinic', weekday: 'Friday' },
          ],
        },
      },
    },
  ],
};

export const FEDERATION_CASES: readonly FederationCase[] = [
  providesOnInterface,
  requires,
  unresolvableKey,
  entityBehindInterface,
  nodeLookups,
  shareable,
  nullEntities,
  providesOnList,
  override,
  abstractAcrossSubgraphs,
];
