import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BootError, ensureClient } from './client/bootstrap';
import { App } from './app/App';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

function BootFailure({ error }: { error: BootError | Error }) {
  return (
    <main className="boot-failure" role="alert">
      <h1>Loupe cannot start here</h1>
      <p>{error.message}</p>
    </main>
  );
}

ensureClient().then(
  () => {
    const queries = new QueryClient({
      defaultOptions: {
        queries: { staleTime: 5_000, refetchOnWindowFocus: false, retry: 2 },
        mutations: { retry: 0 },
      },
    });
    root.render(
      <StrictMode>
        <QueryClientProvider client={queries}>
          <App />
        </QueryClientProvider>
      </StrictMode>,
    );
  },
  (err: Error) => root.render(<BootFailure error={err} />),
);
