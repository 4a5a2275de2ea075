import * as Menu from '@radix-ui/react-dropdown-menu';
import type { LabelCount } from '../../../shared/contract';

/** The "⋯" beside a label in the sidebar: rename (or merge), change colour, delete. */
export function LabelActions(props: {
  label: LabelCount;
  onRename: (l: LabelCount) => void;
  onRecolor: (l: LabelCount) => void;
  onDelete: (l: LabelCount) => void;
}) {
  const { label, onRename, onRecolor, onDelete } = props;
  return (
    <Menu.Root>
      <Menu.Trigger className="label-more" aria-label={`Actions for label ${label.name}`}>
        ⋯
      </Menu.Trigger>
      <Menu.Portal>
        <Menu.Content className="menu" align="start" sideOffset={4}>
          <Menu.Item className="menu-item" onSelect={() => onRename(label)}>
            Rename or merge…
          </Menu.Item>
          <Menu.Item className="menu-item" onSelect={() => onRecolor(label)}>
            Change colour…
          </Menu.Item>
          <Menu.Separator className="menu-sep" />
          <Menu.Item className="menu-item danger" onSelect={() => onDelete(label)}>
            Delete label…
          </Menu.Item>
        </Menu.Content>
      </Menu.Portal>
    </Menu.Root>
  );
}
