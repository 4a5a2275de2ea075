import { memo, useEffect, useLayoutEffect, useRef, useState, type DragEvent, type KeyboardEvent, type MouseEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Image } from '../../shared/contract';
import { columnsFor, gridAction, moveDelta, type GridAction } from '../lib/grid-keys';
import { hueOf } from '../lib/label-color';
import { PICTURES_MIME } from './labelling/drag';
import { guessOf } from './labelling/prediction';
import { clearSelection, clickItem, jumpTo, moveFocus, selectAll, type Selection } from '../lib/selection';

/** The default smallest cell width; the size slider changes it. */
export const MIN_CELL = 176;
const GAP = 10;
const CAPTION = 26;

export interface GridProps {
  images: Image[];
  /** How many pictures the filter holds; unloaded ones show as quiet placeholders. */
  total: number;
  hasMore: boolean;
  loadMore: () => void;
  selection: Selection;
  onSelection: (s: Selection) => void;
  /** Everything the grid cannot do alone: labelling, picking, deleting, selecting beyond what is loaded. */
  onCommand: (a: Extract<GridAction, { kind: 'assign' | 'clearLabel' | 'pickLabel' | 'delete' | 'selectAll' | 'accept' | 'view' }>) => void;
  /** The smallest cell width (the size slider). */
  minCell?: number;
  emptyText: string;
  /** Each label's colour by name. */
  colors: ReadonlyMap<string, string>;
  /** Right-click on a picture (the selection follows it first, as in a file manager). */
  onMenu: (x: number, y: number) => void;
}

interface CellEvents {
  onClick: (id: string, e: MouseEvent) => void;
  onMenu: (id: string, e: MouseEvent) => void;
  onDragStart: (id: string, e: DragEvent) => void;
}

const Cell = memo(function Cell(props: {
  image: Image;
  selected: boolean;
  focused: boolean;
  size: number;
  color: string | undefined;
  guessColor: string | undefined;
  on: CellEvents;
}) {
  const { image, selected, focused, size, color, guessColor, on } = props;
  const label = image.label;
  const guess = guessOf(image);
  const disagrees = guess !== null && label !== null && guess.label !== label;
  return (
    <div
      role="gridcell"
      id={`cell-${image.id}`}
      className={`cell${selected ? ' selected' : ''}${focused ? ' focused' : ''}`}
      aria-selected={selected}
      aria-label={`${image.fileName}, ${label ?? 'unlabelled'}${guess ? `, guess ${guess.label} ${Math.round(guess.confidence * 100)} %` : ''}`}
      data-id={image.id}
      data-label={label ?? ''}
      style={{ width: size }}
      draggable
      onClick={(e) => on.onClick(image.id, e)}
      onContextMenu={(e) => on.onMenu(image.id, e)}
      onDragStart={(e) => on.onDragStart(image.id, e)}
    >
      <div className="thumb" style={{ height: size }}>
        <img src={window.loupe.thumbnailUrl(image.id)} alt="" loading="lazy" decoding="async" draggable={false} />
        {selected && (
          <span className="check" aria-hidden="true">
            ✓
          </span>
        )}
        {disagrees && (
          <span className="disagree" title={`The model guesses “${guess.label}”`} aria-hidden="true">
            ≠
          </span>
        )}
      </div>
      <div className="caption">
        {label ? (
          <span className="chip" style={{ ['--hue' as string]: String(hueOf(color)) }}>
            {label}
          </span>
        ) : guess ? null : (
          <span className="chip none">unlabelled</span>
        )}
        {guess && (label === null || disagrees) && (
          // What the active model says, styled apart from a given label: dashed, italic, in the guessed label's colour.
          <span
            className="guess"
            data-testid="prediction"
            style={{ ['--hue' as string]: String(hueOf(guessColor)) }}
            title="The model’s guess (Enter accepts it)"
          >
            {guess.label} {Math.round(guess.confidence * 100)}%
          </span>
        )}
      </div>
    </div>
  );
});

export function ImageGrid(props: GridProps) {
  const { images, total, hasMore, loadMore, selection, onSelection, onCommand, emptyText, colors, onMenu, minCell = MIN_CELL } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth - 2 * GAP));
    ro.observe(el);
    setWidth(el.clientWidth - 2 * GAP);
    return () => ro.disconnect();
  }, []);

  const columns = columnsFor(Math.max(width, minCell), minCell, GAP);
  const cell = Math.floor((Math.max(width, minCell) - GAP * (columns - 1)) / columns);
  const rowHeight = cell + CAPTION + GAP;
  const count = Math.max(images.length, hasMore ? total : images.length);
  const rows = Math.ceil(count / columns);

  const virtual = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 4,
    paddingStart: GAP,
    paddingEnd: GAP,
  });
  useEffect(() => virtual.measure(), [rowHeight, virtual]);

  const items = virtual.getVirtualItems();
  const lastRow = items.length > 0 ? items[items.length - 1].index : 0;
  useEffect(() => {
    if (hasMore && (lastRow + 3) * columns >= images.length) loadMore();
  }, [lastRow, columns, images.length, hasMore, loadMore]);

  const ids = images.map((i) => i.id);
  const idsRef = useRef(ids);
  idsRef.current = ids;
  const selRef = useRef(selection);
  selRef.current = selection;

  const reveal = (id: string | null) => {
    if (id === null) return;
    const at = idsRef.current.indexOf(id);
    if (at >= 0) virtual.scrollToIndex(Math.floor(at / columns), { align: 'auto' });
  };

  const onSelectionRef = useRef(onSelection);
  onSelectionRef.current = onSelection;
  const onMenuRef = useRef(onMenu);
  onMenuRef.current = onMenu;
  // Stable handlers, so the memoised cells do not re-render on every selection change.
  const on = useRef<CellEvents>({
    onClick: (id, e) => {
      scrollRef.current?.focus({ preventScroll: true });
      onSelectionRef.current(clickItem(selRef.current, idsRef.current, id, { shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey }));
    },
    onMenu: (id, e) => {
      e.preventDefault();
      scrollRef.current?.focus({ preventScroll: true });
      // Right-click outside the selection selects that picture alone; inside, it acts on all selected.
      if (!selRef.current.selected.has(id)) onSelectionRef.current(clickItem(selRef.current, idsRef.current, id, {}));
      onMenuRef.current(e.clientX, e.clientY);
    },
    onDragStart: (id, e) => {
      const sel = selRef.current.selected;
      const ids = sel.has(id) ? idsRef.current.filter((x) => sel.has(x)) : [id];
      if (!sel.has(id)) onSelectionRef.current(clickItem(selRef.current, idsRef.current, id, {}));
      e.dataTransfer.setData(PICTURES_MIME, JSON.stringify(ids));
      e.dataTransfer.setData('text/plain', `${ids.length} picture${ids.length === 1 ? '' : 's'}`);
      e.dataTransfer.effectAllowed = 'move';
    },
  }).current;

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const a = gridAction(e);
    if (!a) return;
    e.preventDefault();
    e.stopPropagation();
    let next: Selection | null = null;
    switch (a.kind) {
      case 'move': {
        const visible = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? rowHeight) / rowHeight));
        next = moveFocus(selection, ids, moveDelta(a.by, columns, visible), { shift: a.extend });
        break;
      }
      case 'jump':
        next = jumpTo(selection, ids, a.to, { shift: a.extend });
        break;
      case 'toggle':
        if (selection.focus !== null) next = clickItem(selection, ids, selection.focus, { toggle: true });
        break;
      case 'clearSelection':
        next = clearSelection(selection);
        break;
      case 'selectAll':
        next = selectAll(selection, ids);
        onCommand(a);
        break;
      default:
        onCommand(a);
    }
    if (next) {
      onSelection(next);
      reveal(next.focus);
    }
  };

  return (
    <div
      ref={scrollRef}
      className="grid-scroll"
      role="grid"
      aria-label="Pictures"
      aria-multiselectable="true"
      aria-rowcount={rows}
      aria-colcount={columns}
      aria-activedescendant={selection.focus && ids.includes(selection.focus) ? `cell-${selection.focus}` : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onFocus={() => {
        if (selection.focus === null && ids.length > 0) onSelection({ ...selection, focus: ids[0] });
      }}
    >
      {count === 0 ? (
        <div className="grid-empty">
          <p>{emptyText}</p>
        </div>
      ) : (
        <div className="grid-inner" style={{ height: virtual.getTotalSize() }}>
          {items.map((row) => {
            const from = row.index * columns;
            const cells = [];
            for (let c = 0; c < columns && from + c < count; c++) {
              const img = images[from + c];
              cells.push(
                img ? (
                  <Cell
                    key={img.id}
                    image={img}
                    size={cell}
                    selected={selection.selected.has(img.id)}
                    focused={selection.focus === img.id}
                    color={img.label ? colors.get(img.label) : undefined}
                    guessColor={colors.get(guessOf(img)?.label ?? '')}
                    on={on}
                  />
                ) : (
                  <div key={`p${from + c}`} className="cell placeholder" style={{ width: cell }} aria-hidden="true">
                    <div className="thumb" style={{ height: cell }} />
                  </div>
                ),
              );
            }
            return (
              <div
                key={row.key}
                role="row"
                aria-rowindex={row.index + 1}
                className="grid-row"
                style={{ transform: `translateY(${row.start}px)`, height: rowHeight, gap: GAP, paddingInline: GAP }}
              >
                {cells}
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}
