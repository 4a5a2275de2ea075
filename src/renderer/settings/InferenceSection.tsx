import { useQuery } from '@tanstack/react-query';
import { messageOf } from '../lib/errors';
import { useCurrentDataset } from '../train/queries';

/** Which backbone, execution provider and thread count run inference, as the vision service reports them. */
export function InferenceSection() {
  const { dataset, loading } = useCurrentDataset();
  const status = useQuery({
    queryKey: ['vision-status', dataset?.id ?? null],
    queryFn: () => window.loupe.call('vision.status', { datasetId: dataset!.id }),
    enabled: dataset !== null,
  });
  if (loading) return <p className="muted">…</p>;
  if (!dataset) return <p className="muted small">Create a dataset and Loupe shows here which model and hardware run its predictions.</p>;
  if (status.isError) return <p className="muted small">Not available ({messageOf(status.error)}).</p>;
  const s = status.data;
  return (
    <dl>
      <div className="settings-row">
        <dt>Backbone</dt>
        <dd>
          <code>{s ? (s.backbone ?? 'none installed') : '…'}</code>
        </dd>
      </div>
      <div className="settings-row">
        <dt>Provider</dt>
        <dd>
          <code data-testid="inference-provider">{s ? (s.provider ?? 'not loaded yet (starts with the first prediction)') : '…'}</code>
        </dd>
      </div>
      {s?.threads ? (
        <div className="settings-row">
          <dt>Threads</dt>
          <dd>
            <code data-testid="inference-threads">{s.threads}</code> <span className="muted small">onnxruntime threads; decoding runs beside them</span>
          </dd>
        </div>
      ) : null}
      {s?.error ? (
        <div className="settings-row">
          <dt>Problem</dt>
          <dd className="error-text">{s.error}</dd>
        </div>
      ) : null}
    </dl>
  );
}
