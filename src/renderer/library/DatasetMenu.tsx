import * as Menu from '@radix-ui/react-dropdown-menu';
import type { Dataset } from '../../shared/contract';

/** The current dataset's name as a menu: switch, create, rename, delete. */
export function DatasetMenu(props: {
  datasets: Dataset[];
  current: Dataset | undefined;
  onSwitch: (id: string) => void;
  onNew: () => void;
  onRename: () => void;
  onDelete: () => void;
}) {
  const { datasets, current, onSwitch, onNew, onRename, onDelete } = props;
  return (
    <Menu.Root>
      <Menu.Trigger className="dataset-trigger" aria-label={`Dataset: ${current?.name ?? 'none'}. Open the dataset menu`}>
        <span className="dataset-name">{current?.name ?? 'No dataset'}</span>
        <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
          <path d="M6 9l6 6 6-6" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
        </svg>
      </Menu.Trigger>
      <Menu.Portal>
        <Menu.Content className="menu" align="start" sideOffset={6}>
          <Menu.Label className="menu-label">Datasets</Menu.Label>
          <Menu.RadioGroup value={current?.id ?? ''} onValueChange={onSwitch}>
            {datasets.map((d) => (
              <Menu.RadioItem key={d.id} value={d.id} className="menu-item">
                <Menu.ItemIndicator className="menu-indicator">•</Menu.ItemIndicator>
                <span>{d.name}</span>
                <span className="menu-hint">{d.imageCount}</span>
              </Menu.RadioItem>
            ))}
          </Menu.RadioGroup>
          <Menu.Separator className="menu-sep" />
          <Menu.Item className="menu-item" onSelect={onNew}>
            New dataset… <kbd className="menu-hint">N</kbd>
          </Menu.Item>
          <Menu.Item className="menu-item" onSelect={onRename} disabled={!current}>
            Rename… <kbd className="menu-hint">F2</kbd>
          </Menu.Item>
          <Menu.Item className="menu-item danger" onSelect={onDelete} disabled={!current}>
            Delete dataset…
          </Menu.Item>
        </Menu.Content>
      </Menu.Portal>
    </Menu.Root>
  );
}
