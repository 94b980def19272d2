import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { ApolloProvider } from '@apollo/client/react';
import { typePolicies } from '@nhs-hub/client';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';

/** The hub's GraphQL endpoint: ?hub=... or the local one `npm start` serves. */
const hub = new URLSearchParams(location.search).get('hub') ?? 'http://127.0.0.1:4000/graphql';
const client = new ApolloClient({ link: new HttpLink({ uri: hub }), cache: new InMemoryCache({ typePolicies }) });

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <ApolloProvider client={client}>
      <App hub={hub} />
    </ApolloProvider>,
  );
