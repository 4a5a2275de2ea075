import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Model, ModelVersion } from '../../shared/contract';
import { messageOf } from '../lib/errors';
import { ConfirmDialog, NameDialog } from '../library/Dialogs';
import { ModelCompare } from './ModelCompare';
import { percent } from './queries';

/** The dataset's versions with the active one (one per dataset), read live. */
export function useModelVersions(datasetId: string | null) {
  return useQuery({
    queryKey: ['model-versions', datasetId],
    queryFn: () => window.loupe.call('models.versions', { datasetId: datasetId! }),
    enabled: datasetId !== null,
  });
}

/**
 * Every model version of the dataset, newest first, and which one predicts (the active
 * one). Pin one to keep it whatever new runs score; rename, delete, export; tick two to
 * compare them on the same held-out pictures.
 */
export function ModelHistory({ datasetId, onExport, onNotice }: { datasetId: string; onExport: (m: Model) => void; onNotice: (text: string) => void }) {
  const queries = useQueryClient();
  const versions = useModelVersions(datasetId);
  const [picked, setPicked] = useState<string[]>([]);
  const [renaming, setRenaming] = useState<ModelVersion | null>(null);
  const [deleting, setDeleting] = useState<ModelVersion | null>(null);
  const refresh = () =>
    Promise.all([
      queries.invalidateQueries({ queryKey: ['model-versions', datasetId] }),
      queries.invalidateQueries({ queryKey: ['models'] }),
      queries.invalidateQueries({ queryKey: ['dataset', datasetId] }),
    ]);
  const pin = useMutation({
    mutationFn: (modelId: string | null) => window.loupe.call('models.pin', { datasetId, modelId }),
    onSuccess: () => refresh(),
    onError: (err) => onNotice(messageOf(err)),
  });
  const items = versions.data?.items ?? [];
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]));
  const pair = picked.filter((id) => items.some((m) => m.id === id));

  return (
    <section className="model-history" aria-labelledby="models-title">
      <h2 id="models-title">Models</h2>
      {items.length === 0 ? (
        <p className="muted">No model yet. Label pictures with at least two labels and Loupe trains one.</p>
      ) : (
        <>
          <p className="muted small">
            {versions.data?.pinned
              ? 'You pinned the active model: new runs do not replace it.'
              : 'A new run replaces the active model only if it scores at least as well on the same held-out pictures.'}
          </p>
          <ul className="model-list">
            {items.map((m) => (
              <li key={m.id} className={m.active ? 'active' : undefined} data-model-id={m.id}>
                <label>
                  <input type="checkbox" checked={picked.includes(m.id)} onChange={() => toggle(m.id)} aria-label={`Compare ${m.name}`} />
                  <span className="model-name">{m.name}</span>
                </label>
                {m.active && <span className="state-tag st-running">{m.pinned ? 'Active · pinned' : 'Active'}</span>}
                <span className="muted small">{new Date(m.createdAt).toLocaleString()}</span>
                <span className="model-acc">{percent(m.metrics.accuracy)}</span>
                {m.pinned ? (
                  <button type="button" className="button ghost small" onClick={() => pin.mutate(null)}>
                    Unpin
                  </button>
                ) : (
                  <button type="button" className="button ghost small" onClick={() => pin.mutate(m.id)} aria-label={`Pin ${m.name}`}>
                    Pin
                  </button>
                )}
                <button type="button" className="button ghost small" onClick={() => setRenaming(m)} aria-label={`Rename ${m.name}`}>
                  Rename
                </button>
                <button type="button" className="button ghost small" onClick={() => onExport(m)}>
                  Export
                </button>
                <button type="button" className="button ghost small danger-text" onClick={() => setDeleting(m)} aria-label={`Delete ${m.name}`}>
                  Delete
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {pair.length === 2 ? (
        <ModelCompare a={pair[0]} b={pair[1]} />
      ) : items.length > 1 ? (
        <p className="muted small">Tick two models to compare them on the same held-out pictures.</p>
      ) : null}
      <NameDialog
        open={renaming !== null}
        onOpenChange={(o) => !o && setRenaming(null)}
        title={`Rename ${renaming?.name ?? ''}`}
        label="Name"
        initial={renaming?.name}
        submitText="Rename"
        onSubmit={async (name) => {
          await window.loupe.call('models.rename', { id: renaming!.id, name });
          await refresh();
        }}
      />
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(o) => !o && setDeleting(null)}
        title={`Delete ${deleting?.name ?? ''}?`}
        body={deleting?.active ? 'It is the active model: the newest remaining version takes over.' : 'Its exported file goes too. Other versions stay.'}
        confirmText="Delete model"
        onConfirm={async () => {
          await window.loupe.call('models.delete', { id: deleting!.id });
          setPicked((p) => p.filter((x) => x !== deleting!.id));
          await refresh();
        }}
      />
    </section>
  );
}
