import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Image } from '../../shared/contract';
import { codeOf } from '../lib/errors';
import { emptySelection, reconcile, targets, type Selection } from '../lib/selection';
import type { GridAction } from '../lib/grid-keys';
import type { Route } from '../app/route';
import { DatasetMenu } from './DatasetMenu';
import { ReviewButton } from '../review/ReviewButton';
import { ConfirmDialog, NameDialog } from './Dialogs';
import { DropZone } from './DropZone';
import { ImageGrid } from './ImageGrid';
import { ImportBar } from './ImportBar';
import { LabelList } from './LabelList';
import { LabelPicker } from './LabelPicker';
import {
  addTarget,
  expectedCount,
  filterKey,
  filterOfView,
  filterTitle,
  gridQueryKey,
  gridQueryOf,
  narrows,
  paramsOf,
  viewOf,
  type Filter,
  type GridQuery,
} from './filter';
import { FilterBar } from './FilterBar';
import { useDataset, useDatasets, useImagePages, useRefresh } from './queries';
import { useImporter } from './useImporter';
import { usePageKeys } from './usePageKeys';
import { VisionPanel } from './vision/VisionPanel';
import { TrainingProgress } from './TrainingProgress';
import { LabelDialogs, type LabelEdit } from './labelling/LabelDialogs';
import { PictureMenu, type MenuPlace } from './labelling/PictureMenu';
import { SelectionBar } from './labelling/SelectionBar';
import { UndoNotice } from './labelling/UndoNotice';
import { acceptItems, guessOf } from './labelling/prediction';
import { useLabelling } from './labelling/useLabelling';
import { PictureViewer } from './labelling/PictureViewer';
import { gridAction } from '../lib/grid-keys';
import { MIN_CELL } from './ImageGrid';
import './labelling/labelling.css';

const DATASET_KEY = 'loupe.dataset';
const SIZE_KEY = 'loupe.cellSize';
type Dialog = null | 'new' | 'rename' | 'delete-dataset' | 'delete-images' | 'new-label' | 'pick';

/**
 * The Library: datasets, their labels and pictures, and every way to label them (keys,
 * buttons, right-click, drag onto a label), each undoable. The dataset and filter live in
 * the URL (`#/library/3/label/Shirt`), so Back and Forward move between views.
 */
export function LibraryPage({ hidden, route, onNavigate }: { hidden: boolean; route: Route; onNavigate: (r: Route, opts?: { replace?: boolean }) => void }) {
  const queries = useQueryClient();
  const refresh = useRefresh();
  const datasets = useDatasets();
  const list = datasets.data ?? [];
  const chosen = route.id ?? localStorage.getItem(DATASET_KEY);
  const current = list.find((d) => d.id === chosen) ?? list[0];
  const datasetId = current?.id ?? null;
  const filter = filterOfView(route.id === datasetId ? route.view : undefined);
  const grid = gridQueryOf(route.id === datasetId ? route.params : undefined);
  const detail = useDataset(datasetId);
  const [selection, setSelection] = useState<Selection>(emptySelection);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [doomed, setDoomed] = useState<string[]>([]);
  const [pickFor, setPickFor] = useState<string[]>([]);
  const [menu, setMenu] = useState<MenuPlace | null>(null);
  const [labelEdit, setLabelEdit] = useState<LabelEdit>(null);
  const [visionOpen, setVisionOpen] = useState(false);
  const [viewing, setViewing] = useState<string | null>(null);
  const [cellSize, setCellSize] = useState(() => Number(localStorage.getItem(SIZE_KEY)) || MIN_CELL);
  const labelling = useLabelling(datasetId);

  const labelRows = useMemo(() => detail.data?.labels ?? [], [detail.data]);
  const labels = useMemo(() => labelRows.map((l) => l.name), [labelRows]);
  const colors = useMemo(() => new Map(labelRows.map((l) => [l.name, l.color])), [labelRows]);
  const target = addTarget(filter);
  const importer = useImporter(datasetId, target.label);
  const pages = useImagePages(datasetId, filter, grid);
  const images: Image[] = useMemo(() => pages.data?.pages.flatMap((p) => p.items) ?? [], [pages.data]);
  const ids = useMemo(() => images.map((i) => i.id), [images]);
  const pictureInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const gridBox = useRef<HTMLDivElement>(null);

  // The address always names the dataset shown (a default filled in is not a Back step).
  useEffect(() => {
    if (!hidden && datasetId && route.id !== datasetId) onNavigate({ page: 'library', id: datasetId }, { replace: true });
  }, [hidden, datasetId, route.id, onNavigate]);
  useEffect(() => {
    if (datasetId) localStorage.setItem(DATASET_KEY, datasetId);
    setSelection(emptySelection);
  }, [datasetId]);

  const go = useCallback(
    (id: string | null, f: Filter = { kind: 'all' }, q: GridQuery = {}) => {
      if (!id) localStorage.removeItem(DATASET_KEY);
      onNavigate(id ? { page: 'library', id, view: viewOf(f), params: paramsOf(q) } : { page: 'library' });
      setSelection(emptySelection);
    },
    [onNavigate],
  );

  const focusGrid = useCallback(() => gridBox.current?.querySelector<HTMLElement>('[role="grid"]')?.focus(), []);

  // When pictures leave the view (relabelled out of the filter, deleted), keep the keyboard's place.
  const prevIds = useRef<string[]>(ids);
  useEffect(() => {
    setSelection((s) => reconcile(s, prevIds.current, ids));
    prevIds.current = ids;
  }, [ids]);

  const selected = () => targets(selection, ids);
  const accept = (t: string[]) => {
    const items = acceptItems(images, new Set(t));
    if (items.length === 0 && images.some((i) => t.includes(i.id) && guessOf(i)))
      return labelling.say('These pictures already have the label the model guesses.');
    return void labelling.accept(items);
  };
  const pick = (t: string[]) => {
    if (t.length === 0) return labelling.say('Select pictures first, then press L to label them.');
    setPickFor(t);
    setDialog('pick');
  };
  const askDelete = (t: string[]) => {
    if (t.length === 0) return;
    setDoomed(t);
    setDialog('delete-images');
  };

  // Every picture that matches, not only the pages loaded so far: the rest are fetched first.
  const selectEverything = async () => {
    let data = pages.data;
    let more = Boolean(pages.hasNextPage);
    while (more) {
      const r = await pages.fetchNextPage();
      if (r.isError) break;
      data = r.data;
      more = r.hasNextPage;
    }
    const all = data?.pages.flatMap((p) => p.items.map((i) => i.id)) ?? [];
    setSelection((s) => ({ selected: new Set(all), focus: s.focus ?? all[0] ?? null, anchor: s.anchor ?? all[0] ?? null }));
  };

  const onCommand = (a: Extract<GridAction, { kind: 'assign' | 'clearLabel' | 'pickLabel' | 'delete' | 'selectAll' | 'accept' | 'view' }>) => {
    const t = selected();
    switch (a.kind) {
      case 'view':
        return setViewing(selection.focus);
      case 'assign': {
        const name = labels[a.labelIndex];
        if (!name) return labelling.say(`There is no label ${a.labelIndex + 1} yet. Press L to pick or create one.`);
        return void labelling.assign(t, name);
      }
      case 'clearLabel':
        return void labelling.assign(t, null);
      case 'accept':
        return accept(t);
      case 'pickLabel':
        return pick(t);
      case 'delete':
        return askDelete(t);
      case 'selectAll':
        if (pages.hasNextPage) void selectEverything();
        return;
    }
  };

  usePageKeys(!hidden, datasetId !== null, {
    onNew: () => setDialog('new'),
    onRename: () => setDialog('rename'),
    onAdd: (folder) => (folder ? folderInput : pictureInput).current?.click(),
    onFocusGrid: focusGrid,
    onUndo: () => void labelling.undo(),
    onRedo: () => void labelling.redo(),
  });

  const onFiles = (asFolder: boolean) => (e: React.ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files ?? []);
    e.target.value = '';
    void importer.importPicked(files, asFolder);
  };

  const matching = pages.data?.pages[0]?.total;
  const total = matching ?? expectedCount(filter, detail.data) ?? images.length;
  const emptyText = !current
    ? ''
    : narrows(grid)
      ? 'No pictures match these filters.'
      : filter.kind === 'all'
        ? 'Drop pictures or folders here, or use “Add pictures…”. Sub-folder names become labels.'
        : filter.kind === 'unlabeled'
          ? 'Every picture has a label.'
          : `No pictures labelled “${filter.name}” yet. Select some and press L, or drop pictures here to add them with this label.`;
  const selectedIds = selected();
  const menuGuess = (() => {
    const guesses = new Set(images.filter((i) => selectedIds.includes(i.id)).map((i) => guessOf(i)?.label ?? null));
    return guesses.size === 1 ? [...guesses][0] : guesses.size > 1 ? 'each its own' : null;
  })();

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
            onSwitch={(id) => go(id)}
            onNew={() => setDialog('new')}
            onRename={() => setDialog('rename')}
            onDelete={() => setDialog('delete-dataset')}
          />
        )}
        {current && (
          <span className="muted toolbar-info" aria-live="polite">
            {filterTitle(filter)}
            {narrows(grid) ? ' (filtered)' : ''} · {total} picture{total === 1 ? '' : 's'}
            {selection.selected.size > 0 ? ` · ${selection.selected.size} selected` : ''}
          </span>
        )}
        <span className="spacer" />
        <TrainingProgress datasetId={datasetId} onOpen={() => onNavigate({ page: 'train', ...(datasetId ? { id: datasetId } : {}) })} />
        {current && (
          <label className="size-slider small" title="Picture size">
            <span className="visually-hidden">Picture size</span>
            <input
              type="range"
              min={96}
              max={360}
              step={8}
              value={cellSize}
              onChange={(e) => {
                setCellSize(Number(e.target.value));
                localStorage.setItem(SIZE_KEY, e.target.value);
              }}
            />
          </label>
        )}
        {current && (
          <>
            <ReviewButton datasetId={datasetId} onNavigate={onNavigate} />
            <button
              type="button"
              className="button"
              aria-pressed={visionOpen}
              onClick={() => setVisionOpen((o) => !o)}
              title="Sort by prediction, label next, near duplicates"
            >
              Vision tools
            </button>
            <button type="button" className="button" onClick={() => pictureInput.current?.click()} disabled={importer.busy} title={`${target.button} (O)`}>
              {target.button}
            </button>
            <button type="button" className="button" onClick={() => folderInput.current?.click()} disabled={importer.busy} title="Add folder… (Shift+O)">
              Add folder…
            </button>
          </>
        )}
        <input
          ref={pictureInput}
          type="file"
          accept="image/*"
          multiple
          hidden
          aria-label={target.button}
          data-testid="picture-input"
          onChange={onFiles(false)}
        />
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
      <UndoNotice notice={labelling.notice} onUndo={() => void labelling.undo()} onRedo={() => void labelling.redo()} onDismiss={labelling.dismiss} />
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
          <LabelList
            detail={detail.data}
            filter={filter}
            onFilter={(f) => go(datasetId, f, f.kind === 'unlabeled' ? { ...grid, agreement: undefined } : grid)}
            onNewLabel={() => setDialog('new-label')}
            onDropPictures={(dropped, label) => void labelling.assign(dropped, label).then(focusGrid)}
            onRename={(label) => setLabelEdit({ kind: 'rename', label })}
            onRecolor={(label) => setLabelEdit({ kind: 'recolor', label })}
            onDelete={(label) => setLabelEdit({ kind: 'delete', label })}
          />
          <div className="grid-box" ref={gridBox}>
            {current && (
              <FilterBar
                labels={labels}
                filter={filter}
                query={grid}
                hasModel={Boolean(detail.data?.activeModelId)}
                total={matching}
                selected={selection.selected.size}
                onChange={(f, q) => go(datasetId, f, q)}
                onSelectAll={() => void selectEverything().then(focusGrid)}
              />
            )}
            <SelectionBar
              count={selectedIds.length}
              labels={labelRows}
              canAccept={menuGuess !== null}
              onAssign={(label) => void labelling.assign(selectedIds, label).then(focusGrid)}
              onAccept={() => (accept(selectedIds), focusGrid())}
              onPick={() => pick(selectedIds)}
              onDelete={() => askDelete(selectedIds)}
              onClear={() => (setSelection(emptySelection), focusGrid())}
            />
            <DropZone disabled={importer.busy || !current} hint={target.hint} onDrop={(entries, loose, all) => void importer.importDrop(entries, loose, all)}>
              <ImageGrid
                // A new dataset or filter starts at the top, not at the old list's scroll position.
                key={`${datasetId}:${filterKey(filter)}?${gridQueryKey(grid)}`}
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
                colors={colors}
                minCell={cellSize}
                onMenu={(x, y) => setMenu({ x, y, count: Math.max(1, selectedIds.length), guess: null })}
              />
            </DropZone>
          </div>
        </div>
      )}

      <PictureViewer
        images={images}
        openId={viewing}
        onMove={(id) => {
          setViewing(id);
          setSelection({ selected: new Set([id]), focus: id, anchor: id });
        }}
        onClose={() => setViewing(null)}
        onClosed={focusGrid}
        onKey={(e) => {
          // Labelling keys work on the picture shown, as in the grid.
          const a = gridAction(e);
          if (!viewing || !a) return false;
          if (a.kind === 'assign' && labels[a.labelIndex]) void labelling.assign([viewing], labels[a.labelIndex]);
          else if (a.kind === 'clearLabel') void labelling.assign([viewing], null);
          else if (a.kind === 'accept') accept([viewing]);
          else return false;
          return true;
        }}
      />
      <PictureMenu
        place={menu && { ...menu, count: selectedIds.length, guess: menuGuess }}
        labels={labelRows}
        onClose={() => setMenu(null)}
        onClosed={focusGrid}
        onAssign={(label) => void labelling.assign(selectedIds, label)}
        onAccept={() => accept(selectedIds)}
        onPick={() => pick(selectedIds)}
        onDelete={() => askDelete(selectedIds)}
      />
      <LabelDialogs
        datasetId={datasetId}
        labels={labelRows}
        edit={labelEdit}
        onClose={() => setLabelEdit(null)}
        labelling={labelling}
        onClosed={focusGrid}
        onRenamed={(from, to) => {
          if (filter.kind === 'label' && filter.name === from) go(datasetId, { kind: 'label', name: to }, grid);
        }}
      />
      <NameDialog
        open={dialog === 'new'}
        onOpenChange={(o) => setDialog(o ? 'new' : null)}
        title="New dataset"
        label="Name"
        submitText="Create"
        onSubmit={async (name) => {
          const d = await window.loupe.call('datasets.create', { name });
          await queries.invalidateQueries({ queryKey: ['datasets'] });
          go(d.id);
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
        onClosed={focusGrid}
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
          go(null);
          await queries.invalidateQueries({ queryKey: ['datasets'] });
        }}
      />
      <ConfirmDialog
        open={dialog === 'delete-images'}
        onOpenChange={(o) => setDialog(o ? 'delete-images' : null)}
        title={`Delete ${doomed.length} picture${doomed.length === 1 ? '' : 's'}?`}
        body="They are removed from this dataset (Ctrl+Z brings them back). The original files on your disk are not touched."
        confirmText="Delete"
        onClosed={focusGrid}
        onConfirm={() => labelling.remove(doomed)}
      />
      <LabelPicker
        open={dialog === 'pick'}
        onOpenChange={(o) => setDialog(o ? 'pick' : null)}
        labels={labels}
        colors={colors}
        count={pickFor.length}
        onClosed={focusGrid}
        onPick={async (name, isNew) => {
          if (isNew) {
            await window.loupe.call('labels.create', { datasetId: datasetId!, name }).catch((err: unknown) => {
              if (codeOf(err) !== 'conflict') throw err;
            });
          }
          await labelling.assign(pickFor, name);
        }}
      />
    </section>
  );
}
