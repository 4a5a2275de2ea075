import { useQuery } from '@tanstack/react-query';
import { messageOf } from '../lib/errors';

function Row({ name, value, secret }: { name: string; value: string; secret?: boolean }) {
  return (
    <div className="settings-row">
      <dt>{name}</dt>
      <dd>
        <code className={secret ? 'secret' : undefined}>{value}</code>
      </dd>
    </div>
  );
}

export function SettingsPage() {
  const info = useQuery({ queryKey: ['app.info'], queryFn: () => window.loupe.call('app.info', {}) });
  const api = useQuery({ queryKey: ['settings.api'], queryFn: () => window.loupe.call('settings.api.get', {}), retry: 0 });
  return (
    <section className="page settings" aria-labelledby="page-title">
      <h1 id="page-title">Settings</h1>
      <h2>Loupe</h2>
      <dl>
        <Row name="Version" value={info.data?.version ?? '…'} />
        <Row name="Shell" value={info.data ? (info.data.shell === 'electron' ? 'Desktop (Electron)' : 'Headless (loupe serve)') : '…'} />
        <Row name="Data folder" value={info.data?.dataDir ?? '…'} />
      </dl>
      <h2>Local API</h2>
      {api.isError ? (
        <p className="muted">The API settings are not available yet ({messageOf(api.error)}).</p>
      ) : (
        <dl>
          <Row name="Enabled" value={api.data ? (api.data.enabled ? 'Yes' : 'No') : '…'} />
          <Row name="Address" value={api.data?.url ?? (api.data ? 'not listening' : '…')} />
          <Row name="Token" value={api.data?.token ?? '…'} secret />
          <Row name="Allowed origins" value={api.data ? api.data.allowedOrigins.join(', ') || 'none (CORS closed)' : '…'} />
        </dl>
      )}
      <p className="muted small">Changing these settings arrives with issue 4.</p>
    </section>
  );
}
