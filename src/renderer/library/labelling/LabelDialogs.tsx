import type { LabelCount } from '../../../shared/contract';
import { ConfirmDialog, NameDialog } from '../Dialogs';
import { ColorDialog } from './ColorDialog';
import type { Labelling } from './useLabelling';

export type LabelEdit = { kind: 'rename' | 'recolor' | 'delete'; label: LabelCount } | null;

/** Rename (or merge), recolour and delete a label; each is one undo step. */
export function LabelDialogs(props: {
  datasetId: string | null;
  labels: LabelCount[];
  edit: LabelEdit;
  onClose: () => void;
  labelling: Labelling;
  onRenamed: (from: string, to: string) => void;
  onClosed: () => void;
}) {
  const { datasetId, labels, edit, onClose, labelling, onRenamed, onClosed } = props;
  const label = edit?.label;
  return (
    <>
      <NameDialog
        open={edit?.kind === 'rename'}
        onOpenChange={(o) => !o && onClose()}
        title={`Rename “${label?.name ?? ''}”`}
        label="New name (an existing label's name merges the two)"
        initial={label?.name}
        submitText="Rename"
        onClosed={onClosed}
        onSubmit={async (name) => {
          const to = name.trim();
          const r = await window.loupe.call('labels.update', { datasetId: datasetId!, name: label!.name, newName: to });
          await labelling.did(r.entry);
          onRenamed(label!.name, to);
        }}
        hint={(name) => {
          const other = labels.find((l) => l.name === name.trim() && l.name !== label?.name);
          return other
            ? `“${label?.name}” will be merged into “${other.name}”: its ${label?.count} pictures join the ${other.count} there. Ctrl+Z separates them again.`
            : null;
        }}
      />
      <ColorDialog
        label={edit?.kind === 'recolor' ? edit.label : null}
        onClose={onClose}
        onPick={async (color) => {
          const r = await window.loupe.call('labels.update', { datasetId: datasetId!, name: label!.name, color });
          await labelling.did(r.entry);
        }}
      />
      <ConfirmDialog
        open={edit?.kind === 'delete'}
        onOpenChange={(o) => !o && onClose()}
        title={`Delete label “${label?.name ?? ''}”?`}
        body={
          label && label.count > 0
            ? `Its ${label.count} picture${label.count === 1 ? '' : 's'} stay in the dataset, unlabelled. Ctrl+Z brings the label back.`
            : 'It has no pictures. Ctrl+Z brings it back.'
        }
        confirmText="Delete label"
        onClosed={onClosed}
        onConfirm={async () => {
          const r = await window.loupe.call('labels.delete', { datasetId: datasetId!, name: label!.name });
          await labelling.did(r.entry);
        }}
      />
    </>
  );
}
