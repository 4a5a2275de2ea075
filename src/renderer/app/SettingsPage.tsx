import { useQuery } from '@tanstack/react-query';
import { GrantedFoldersSection } from '../scripts/GrantedFoldersSection';
import { ApiSettingsSection } from '../settings/ApiSettingsSection';
import { InferenceSection } from '../settings/InferenceSection';
import '../settings/settings.css';
import { useBroker } from '../tasks/BrokerWorkers';

function Row({ name, value }: { name: string; value: string }) {
  return (
    <div className="settings-row">
      <dt>{name}</dt>
      <dd>
        <code>{value}</code>
      </dd>
    </div>
  );
}

export function SettingsPage() {
  const info = useQuery({ queryKey: ['app.info'], queryFn: () => window.loupe.call('app.info', {}) });
  const broker = useBroker().data?.broker;
  return (
    <section className="page settings" aria-labelledby="page-title">
      <h1 id="page-title">Settings</h1>
      <h2>Loupe</h2>
      <dl>
        <Row name="Version" value={info.data?.version ?? '…'} />
        <Row name="Shell" value={info.data ? (info.data.shell === 'electron' ? 'Desktop (Electron)' : 'Headless (loupe serve)') : '…'} />
        <Row name="Data folder" value={info.data?.dataDir ?? '…'} />
        <Row name="Task broker" value={broker ? (broker.kind === 'redis' ? `Redis at ${broker.url ?? '?'}` : 'Embedded (SQLite, this machine)') : '…'} />
      </dl>
      <h2>Local API</h2>
      <ApiSettingsSection headless={info.data?.shell === 'headless' || window.loupe.shell === 'browser'} />
      <h2>Inference</h2>
      <InferenceSection />
      <GrantedFoldersSection />
    </section>
  );
}
