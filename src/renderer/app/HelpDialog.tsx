import * as Dialog from '@radix-ui/react-dialog';
import { shortcutGroups } from '../lib/grid-keys';
import { tasksShortcuts } from '../tasks/task-view';

export function HelpDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content
          className="dialog help-dialog"
          aria-describedby={undefined}
          // Keep the list scrolled to its top: focusing Close first would scroll the title away.
          onOpenAutoFocus={(e) => {
            e.preventDefault();
            (e.currentTarget as HTMLElement | null)?.focus();
          }}
          tabIndex={-1}
        >
          <Dialog.Title>Keyboard shortcuts</Dialog.Title>
          <div className="help-groups">
            {[...shortcutGroups, tasksShortcuts].map((g) => (
              <section key={g.title}>
                <h3>{g.title}</h3>
                <dl>
                  {g.items.map((s) => (
                    <div className="shortcut" key={s.does}>
                      <dt>
                        {s.keys.map((k, i) => (
                          <kbd key={i}>{k}</kbd>
                        ))}
                      </dt>
                      <dd>{s.does}</dd>
                    </div>
                  ))}
                </dl>
              </section>
            ))}
          </div>
          <div className="dialog-actions">
            <Dialog.Close className="button">Close</Dialog.Close>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
