import * as Dialog from '@radix-ui/react-dialog';
import { useEffect, useState } from 'react';
import { defaultLabelColor } from '../../../shared/label-colors';
import { messageOf } from '../../lib/errors';

const PRESETS = Array.from({ length: 12 }, (_, i) => defaultLabelColor(i));

/** Picks a label's colour: twelve far-apart presets or any #rrggbb. */
export function ColorDialog(props: { label: { name: string; color: string } | null; onClose: () => void; onPick: (color: string) => Promise<unknown> }) {
  const { label, onClose, onPick } = props;
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setValue(label?.color ?? '');
    setError(null);
  }, [label]);
  const pick = async (color: string) => {
    try {
      await onPick(color);
      onClose();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <Dialog.Root open={label !== null} onOpenChange={(o) => !o && onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog" aria-describedby={undefined}>
          <Dialog.Title>Colour of “{label?.name}”</Dialog.Title>
          <div className="color-presets" role="group" aria-label="Colours">
            {PRESETS.map((c) => (
              <button
                key={c}
                type="button"
                className="color-preset"
                style={{ background: c }}
                aria-label={c}
                aria-pressed={c === label?.color}
                onClick={() => void pick(c)}
              />
            ))}
          </div>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void pick(value.trim());
            }}
          >
            <label className="field">
              <span>Or a colour as #rrggbb</span>
              <input value={value} onChange={(e) => setValue(e.target.value)} aria-invalid={error ? true : undefined} />
            </label>
            {error && (
              <p className="error-text" role="alert">
                {error}
              </p>
            )}
            <div className="dialog-actions">
              <Dialog.Close type="button" className="button ghost">
                Cancel
              </Dialog.Close>
              <button type="submit" className="button primary">
                Use colour
              </button>
            </div>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
