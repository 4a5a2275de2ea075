import * as Dialog from '@radix-ui/react-dialog';
import { useEffect, useState, type FormEvent } from 'react';
import { messageOf } from '../lib/errors';

/** Asks for a name (new dataset, rename). Errors from the call are shown in place. */
export function NameDialog(props: {
  open: boolean;
  onOpenChange: (o: boolean) => void;
  title: string;
  label: string;
  initial?: string;
  submitText: string;
  onSubmit: (name: string) => Promise<unknown>;
  /** A line under the field for the name typed so far (e.g. "this merges two labels"). */
  hint?: (name: string) => string | null;
  /** Where focus goes after the dialog closes (default: back where it was). */
  onClosed?: () => void;
}) {
  const { open, onOpenChange, title, label, initial = '', submitText, onSubmit, hint, onClosed } = props;
  const [name, setName] = useState(initial);
  const hintText = hint?.(name) ?? null;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (open) {
      setName(initial);
      setError(null);
    }
  }, [open, initial]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await onSubmit(name);
      onOpenChange(false);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog" aria-describedby={undefined} onCloseAutoFocus={onClosed ? (e) => (e.preventDefault(), onClosed()) : undefined}>
          <Dialog.Title>{title}</Dialog.Title>
          <form onSubmit={submit}>
            <label className="field">
              <span>{label}</span>
              <input autoFocus value={name} onChange={(e) => setName(e.target.value)} aria-invalid={error ? true : undefined} />
            </label>
            {hintText && (
              <p className="muted small" role="status">
                {hintText}
              </p>
            )}
            {error && (
              <p className="error-text" role="alert">
                {error}
              </p>
            )}
            <div className="dialog-actions">
              <Dialog.Close type="button" className="button ghost">
                Cancel
              </Dialog.Close>
              <button type="submit" className="button primary" disabled={busy || name.trim() === ''}>
                {submitText}
              </button>
            </div>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

/** A yes/no question before a big step. Enter confirms. */
export function ConfirmDialog(props: {
  open: boolean;
  onOpenChange: (o: boolean) => void;
  title: string;
  body: string;
  confirmText: string;
  onConfirm: () => Promise<unknown>;
  /** Where focus goes after the dialog closes (default: back where it was). */
  onClosed?: () => void;
}) {
  const { open, onOpenChange, title, body, confirmText, onConfirm, onClosed } = props;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (open) setError(null);
  }, [open]);
  const confirm = async () => {
    setBusy(true);
    try {
      await onConfirm();
      onOpenChange(false);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog" role="alertdialog" onCloseAutoFocus={onClosed ? (e) => (e.preventDefault(), onClosed()) : undefined}>
          <Dialog.Title>{title}</Dialog.Title>
          <Dialog.Description>{body}</Dialog.Description>
          {error && (
            <p className="error-text" role="alert">
              {error}
            </p>
          )}
          <div className="dialog-actions">
            <Dialog.Close className="button ghost">Cancel</Dialog.Close>
            <button type="button" className="button danger" autoFocus disabled={busy} onClick={confirm}>
              {confirmText}
            </button>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
