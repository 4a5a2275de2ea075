import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Image } from '../../shared/contract';
import { codeOf, messageOf } from '../lib/errors';
import { emptySelection, reconcile, targets, type Selection } from '../lib/selection';
import type { GridAction } from '../lib/grid-keys';
import { isTyping } from '../app/App';
import { DatasetMenu } from './DatasetMenu';
import { ConfirmDialog, NameDialog } from './Dialogs';
import { DropZone } from './DropZone';
import { ImageGrid } from './ImageGrid';
import { ImportBar } from './ImportBar';
import { LabelList } from './LabelList';
import { LabelPicker } from './LabelPicker';
import { allPictures, expectedCount, filterKey, filterTitle, type Filter } from './filter';
import { useDataset, useDatasets, useDeleteImages, useImagePages, useRefresh, useSetLabel } from './queries';
import { useImporter } from './useImporter';
import { VisionPanel } from './vision/VisionPanel';
import { Notice } from '../app/Notice';

const DATASET_KEY = 'loupe.dataset';
type Dialog = null | 'new' | 'rename' | 'delete-dataset' | 'delete-images' | 'new-label' | 'pick';

export function LibraryPage({ hidden }: { hidden: boolean }) {
  const queries = useQueryClient();
  const refresh = useRefresh();
  const datasets = useDatasets();
  const [chosen, setChosen] = useState<string | null>(() => localStorage.getItem(DATASET_KEY));
  const list = datasets.data ?? [];
  const current = list.find((d) => d.id === chosen) ?? list[0];
  const datasetId = current?.id ?? null;
  const detail = useDataset(datasetId);
  const [filter, setFilter] = useState<Filter>(allPictures);
  const [selection, setSelection] = useState<Selection>(emptySelection);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [doomed, setDoomed] = useState<string[]>([]);
  const [pickFor, setPickFor] = useState<string[]>([]);
  const [visionOpen, setVisionOpen] = useState(false);

  const labels = useMemo(() => detail.data?.labels.map((l) => l.name) ?? [], [detail.data]);
  const looseLabel = filter.kind === 'label' ? filter.name : undefined;
  const importer = useImporter(datasetId, looseLabel);
  const pages = useImagePages(datasetId, filter);
  const images: Image[] = useMemo(() => pages.data?.pages.flatMap((p) => p.items) ?? [], [pages.data]);
  const ids = useMemo(() => images.map((i) => i.id), [images]);
  const setLabel = useSetLabel(datasetId);
  const deleteImages = useDeleteImages(datasetId);
  const pictureInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const gridBox = useRef<HTMLDivElement>(null);

  const switchTo = useCallback((id: string | null) => {
    setChosen(id);
    if (id) localStorage.setItem(DATASET_KEY, id);
    else localStorage.removeItem(DATASET_KEY);
    setFilter(allPictures);
    setSelection(emptySelection);
  }, []);

  // When pictures leave the view (relabelled out of the filter, deleted), keep the keyboard's place.
  const prevIds = useRef<string[]>(ids);
  useEffect(() => {
    setSelection((s) => reconcile(s, prevIds.current, ids));
    prevIds.current = ids;
  }, [ids]);

  const fail = (err: unknown) => setNotice(messageOf(err));

  const assign = async (target: string[], label: string | null) => {
    if (target.length === 0) return;
    setNotice(null);
    await setLabel.mutateAsync({ ids: target, label }).catch(fail);
  };

  const selectEverything = async () => {
    let r = await pages.fetchNextPage();
    while (r.hasNextPage && !r.isError) r = await pages.fetchNextPage();
    const all = r.data?.pages.flatMap((p) => p.items.map((i) => i.id)) ?? [];
    setSelection((s) => ({ selected: new Set(all), focus: s.focus ?? all[0] ?? null, anchor: s.anchor ?? all[0] ?? null }));
  };

  const onCommand = (a: Extract<GridAction, { kind: 'assign' | 'clearLabel' | 'pickLabel' | 'delete' | 'selectAll' }>) => {
    const t = targets(selection, ids);
    switch (a.kind) {
      case 'assign': {
        const name = labels[a.labelIndex];
        if (!name) return setNotice(`There is no label ${a.labelIndex + 1} yet. Press L to pick or create one.`);
        return void assign(t, name);
      }
      case 'clearLabel':
        return void assign(t, null);
      case 'pickLabel':
        if (t.length === 0) return setNotice('Select pictures first, then press L to label them.');
        setPickFor(t);
        return setDialog('pick');
      case 'delete':
        if (t.length === 0) return;
        setDoomed(t);
        return setDialog('delete-images');
      case 'selectAll':
        if (pages.hasNextPage) void selectEverything();
        return;
    }
  };

  // Page-level shortcuts (the grid handles its own keys and stops them).
  useEffect(() => {
    if (hidden) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey || dialog !== null) return;
      if (document.querySelector('[role="dialog"],[role="alertdialog"],[role="menu"]')) return;
      const k = e.key;
      if (k === 'n' || k === 'N') setDialog('new');
      else if (k === 'F2' && datasetId) setDialog('rename');
      else if ((k === 'o' || k === 'O') && datasetId) (e.shiftKey ? folderInput : pictureInput).current?.click();
      else if (k === '/') gridBox.current?.querySelector<HTMLElement>('[role="grid"]')?.focus();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [hidden, dialog, datasetId]);

  const onFiles = (asFolder: boolean) => (e: React.ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files ?? []);
    e.target.value = '';
    void importer.importPicked(files, asFolder);
  };

  const total = expectedCount(filter, detail.data) ?? images.length;
  const emptyText = !current
    ? ''
    : filter.kind === 'all'
      ? 'Drop pictures or folders here, or use “Add pictures…”. Sub-folder names become labels.'
      : filter.kind === 'unlabeled'
        ? 'Every picture has a label.'
        : `No pictures labelled “${filter.name}” yet. Select some and press L.`;
  const selectedCount = targets(selection, ids).length;

  return (
    <section className="page library" hidden={hidden} aria-labelledby="library-title">
      <h1 id="library-title" className="visually-hidden">
        Library
      </h1>
      <header className="toolbar">
        {list.length > 0 && (
          <DatasetMenu
            datasets={list}
            current={current}
            onSwitch={switchTo}
            onNew={() => setDialog('new')}
            onRename={() => setDialog('rename')}
            onDelete={() => setDialog('delete-dataset')}
          />
        )}
        {current && (
          <span className="muted toolbar-info" aria-live="polite">
            {filterTitle(filter)} · {total} picture{total === 1 ? '' : 's'}
            {selection.selected.size > 0 ? ` · ${selection.selected.size} selected` : ''}
          </span>
        )}
        <span className="spacer" />
        {current && (
          <>
            <button type="button" className="button" aria-pressed={visionOpen} onClick={() => setVisionOpen((o) => !o)} title="Sort by prediction, label next, near duplicates">
              Vision tools
            </button>
            <button type="button" className="button" onClick={() => pictureInput.current?.click()} disabled={importer.busy} title="Add pictures… (O)">
              Add pictures…
            </button>
            <button type="button" className="button" onClick={() => folderInput.current?.click()} disabled={importer.busy} title="Add folder… (Shift+O)">
              Add folder…
            </button>
          </>
        )}
        <input ref={pictureInput} type="file" accept="image/*" multiple hidden aria-label="Add pictures" data-testid="picture-input" onChange={onFiles(false)} />
        <input
          ref={folderInput}
          type="file"
          multiple
          hidden
          aria-label="Add folder"
          data-testid="folder-input"
          {...{ webkitdirectory: '', directory: '' }}
          onChange={onFiles(true)}
        />
      </header>
      <ImportBar view={importer.view} onCancel={importer.cancel} onDismiss={importer.dismiss} />
      {visionOpen && detail.data && <VisionPanel detail={detail.data} onClose={() => setVisionOpen(false)} />}
      <Notice text={notice} onDismiss={() => setNotice(null)} />
      {datasets.isSuccess && list.length === 0 ? (
        <div className="welcome">
          <h2>Start with a dataset</h2>
          <p className="muted">A dataset holds the pictures of one task, sorted into labels. Then drop folders of pictures onto it.</p>
          <button type="button" className="button primary" onClick={() => setDialog('new')}>
            New dataset
          </button>
        </div>
      ) : (
        <div className="library-body">
          <LabelList detail={detail.data} filter={filter} onFilter={(f) => (setFilter(f), setSelection(emptySelection))} onNewLabel={() => setDialog('new-label')} />
          <div className="grid-box" ref={gridBox}>
            <DropZone disabled={importer.busy || !current} onDrop={(entries, loose, all) => void importer.importDrop(entries, loose, all)}>
              <ImageGrid
                // A new dataset or filter starts at the top, not at the old list's scroll position.
                key={`${datasetId}:${filterKey(filter)}`}
                images={images}
                total={total}
                hasMore={Boolean(pages.hasNextPage)}
                loadMore={() => {
                  if (!pages.isFetchingNextPage) void pages.fetchNextPage();
                }}
                selection={selection}
                onSelection={setSelection}
                onCommand={onCommand}
                emptyText={emptyText}
              />
            </DropZone>
            <p className="grid-hint muted small" aria-hidden="true">
              {selectedCount > 0 ? `${selectedCount} to label: press 1–9, 0 to clear, L to pick, Delete to remove` : 'Click a picture, then use the arrows; ? lists every shortcut'}
            </p>
          </div>
        </div>
      )}

      <NameDialog
        open={dialog === 'new'}
        onOpenChange={(o) => setDialog(o ? 'new' : null)}
        title="New dataset"
        label="Name"
        submitText="Create"
        onSubmit={async (name) => {
          const d = await window.loupe.call('datasets.create', { name });
          await queries.invalidateQueries({ queryKey: ['datasets'] });
          switchTo(d.id);
        }}
      />
      <NameDialog
        open={dialog === 'rename'}
        onOpenChange={(o) => setDialog(o ? 'rename' : null)}
        title="Rename dataset"
        label="Name"
        initial={current?.name}
        submitText="Rename"
        onSubmit={async (name) => {
          await window.loupe.call('datasets.rename', { id: datasetId!, name });
          await refresh(datasetId!);
        }}
      />
      <NameDialog
        open={dialog === 'new-label'}
        onOpenChange={(o) => setDialog(o ? 'new-label' : null)}
        title="New label"
        label="Label name"
        submitText="Add label"
        onSubmit={async (name) => {
          await window.loupe.call('labels.create', { datasetId: datasetId!, name });
          await refresh(datasetId!);
        }}
      />
      <ConfirmDialog
        open={dialog === 'delete-dataset'}
        onOpenChange={(o) => setDialog(o ? 'delete-dataset' : null)}
        title={`Delete “${current?.name ?? ''}”?`}
        body={`Its ${current?.imageCount ?? 0} pictures and their labels are removed from Loupe. The original files on your disk are not touched.`}
        confirmText="Delete dataset"
        onConfirm={async () => {
          // The main process stops its own import of a deleted dataset; an upload from this page stops here.
          importer.cancelFor(datasetId!);
          await window.loupe.call('datasets.delete', { id: datasetId! });
          switchTo(null);
          await queries.invalidateQueries({ queryKey: ['datasets'] });
        }}
      />
      <ConfirmDialog
        open={dialog === 'delete-images'}
        onOpenChange={(o) => setDialog(o ? 'delete-images' : null)}
        title={`Delete ${doomed.length} picture${doomed.length === 1 ? '' : 's'}?`}
        body="They are removed from this dataset. The original files on your disk are not touched."
        confirmText="Delete"
        onConfirm={() => deleteImages.mutateAsync(doomed)}
      />
      <LabelPicker
        open={dialog === 'pick'}
        onOpenChange={(o) => setDialog(o ? 'pick' : null)}
        labels={labels}
        count={pickFor.length}
        onPick={async (name, isNew) => {
          if (isNew) {
            await window.loupe.call('labels.create', { datasetId: datasetId!, name }).catch((err: unknown) => {
              if (codeOf(err) !== 'conflict') throw err;
            });
          }
          await setLabel.mutateAsync({ ids: pickFor, label: name });
        }}
      />
    </section>
  );
}
