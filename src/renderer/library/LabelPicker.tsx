import * as Dialog from '@radix-ui/react-dialog';
import { useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import { messageOf } from '../lib/errors';

/**
 * `L`: type to filter the labels, arrows to move, Enter to assign. When the text names no
 * existing label, Enter creates it (the first option offers that).
 */
export function LabelPicker(props: {
  open: boolean;
  onOpenChange: (o: boolean) => void;
  labels: string[];
  count: number;
  onPick: (label: string, isNew: boolean) => Promise<unknown>;
  /** Each label's colour by name. */
  colors: ReadonlyMap<string, string>;
  /** Where focus goes when the picker closes (the grid, so the next digit labels). */
  onClosed: () => void;
}) {
  const { open, onOpenChange, labels, count, onPick, colors, onClosed } = props;
  const [text, setText] = useState('');
  const [active, setActive] = useState(0);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (open) {
      setText('');
      setActive(0);
      setError(null);
    }
  }, [open]);

  const options = useMemo(() => {
    const q = text.trim().toLowerCase();
    const matches = labels.filter((l) => l.toLowerCase().includes(q));
    const exact = labels.some((l) => l.toLowerCase() === q);
    const list = matches.map((name) => ({ name, isNew: false }));
    if (q.length > 0 && !exact) list.push({ name: text.trim(), isNew: true });
    return list;
  }, [labels, text]);

  const choose = async (i: number) => {
    const o = options[i];
    if (!o) return;
    try {
      await onPick(o.name, o.isNew);
      onOpenChange(false);
    } catch (err) {
      setError(messageOf(err));
    }
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') setActive((a) => Math.min(options.length - 1, a + 1));
    else if (e.key === 'ArrowUp') setActive((a) => Math.max(0, a - 1));
    else if (e.key === 'Enter') void choose(active);
    else return;
    e.preventDefault();
  };

  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content
          className="dialog picker"
          aria-describedby="picker-desc"
          onCloseAutoFocus={(e) => {
            e.preventDefault();
            onClosed();
          }}
        >
          <Dialog.Title>Label</Dialog.Title>
          <p id="picker-desc" className="muted small">
            For {count} picture{count === 1 ? '' : 's'}. Type to filter or to name a new label.
          </p>
          <input
            className="picker-input"
            autoFocus
            value={text}
            placeholder="Label name"
            role="combobox"
            aria-expanded="true"
            aria-controls="picker-list"
            aria-activedescendant={options[active] ? `pick-${active}` : undefined}
            onChange={(e) => {
              setText(e.target.value);
              setActive(0);
              setError(null);
            }}
            onKeyDown={onKey}
          />
          <ul id="picker-list" role="listbox" className="picker-list" aria-label="Labels">
            {options.map((o, i) => (
              <li
                key={o.name + String(o.isNew)}
                id={`pick-${i}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'active' : undefined}
                onMouseEnter={() => setActive(i)}
                onClick={() => void choose(i)}
              >
                {o.isNew ? (
                  <>
                    <span className="swatch empty" aria-hidden="true" /> Create label “{o.name}”
                  </>
                ) : (
                  <>
                    <span className="swatch" style={{ background: colors.get(o.name) }} aria-hidden="true" /> {o.name}
                  </>
                )}
              </li>
            ))}
            {options.length === 0 && <li className="muted">No labels yet — type a name.</li>}
          </ul>
          {error && (
            <p className="error-text" role="alert">
              {error}
            </p>
          )}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
