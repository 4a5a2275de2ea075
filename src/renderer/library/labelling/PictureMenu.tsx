import * as Menu from '@radix-ui/react-dropdown-menu';
import type { LabelCount } from '../../../shared/contract';

export interface MenuPlace {
  x: number;
  y: number;
  count: number;
  guess: string | null;
}

/**
 * The grid's right-click menu, opened at the pointer: label the selection, remove its
 * label, accept the guess, delete. A dropdown anchored to an invisible point stands in
 * for a context menu (one Radix package less, the same keyboard behaviour).
 */
export function PictureMenu(props: {
  place: MenuPlace | null;
  labels: LabelCount[];
  onClose: () => void;
  onAssign: (label: string | null) => void;
  onAccept: () => void;
  onPick: () => void;
  onDelete: () => void;
  /** Where focus goes when the menu closes without opening a dialog (the grid). */
  onClosed: () => void;
}) {
  const { place, labels, onClose, onAssign, onAccept, onPick, onDelete, onClosed } = props;
  if (!place) return null;
  const n = place.count;
  return (
    <Menu.Root open onOpenChange={(o) => !o && onClose()} modal>
      <Menu.Trigger asChild>
        <span style={{ position: 'fixed', left: place.x, top: place.y, width: 1, height: 1 }} aria-hidden="true" />
      </Menu.Trigger>
      <Menu.Portal>
        <Menu.Content
          className="menu"
          align="start"
          sideOffset={2}
          aria-label={`${n} picture${n === 1 ? '' : 's'}`}
          onCloseAutoFocus={(e) => {
            e.preventDefault();
            onClosed();
          }}
        >
          <Menu.Label className="menu-label">
            {n} picture{n === 1 ? '' : 's'}
          </Menu.Label>
          {place.guess && (
            <Menu.Item className="menu-item" onSelect={onAccept}>
              Accept guess “{place.guess}” <kbd className="menu-hint">Enter</kbd>
            </Menu.Item>
          )}
          {labels.map((l, i) => (
            <Menu.Item key={l.name} className="menu-item" onSelect={() => onAssign(l.name)}>
              <span className="swatch" style={{ background: l.color }} aria-hidden="true" />
              <span>Label “{l.name}”</span>
              {i < 9 && <kbd className="menu-hint">{i + 1}</kbd>}
            </Menu.Item>
          ))}
          <Menu.Item className="menu-item" onSelect={onPick}>
            Other label… <kbd className="menu-hint">L</kbd>
          </Menu.Item>
          <Menu.Item className="menu-item" onSelect={() => onAssign(null)}>
            Remove label <kbd className="menu-hint">0</kbd>
          </Menu.Item>
          <Menu.Separator className="menu-sep" />
          <Menu.Item className="menu-item danger" onSelect={onDelete}>
            Delete… <kbd className="menu-hint">Del</kbd>
          </Menu.Item>
        </Menu.Content>
      </Menu.Portal>
    </Menu.Root>
  );
}
