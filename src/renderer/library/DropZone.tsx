import { useRef, useState, type DragEvent, type ReactNode } from 'react';
import type { WalkEntry } from '../lib/folder-walk';

/**
 * Takes pictures and folders dropped from the desktop. The entries must be taken from the
 * DataTransfer during the drop event itself; the browser empties it afterwards.
 */
export function DropZone({
  disabled,
  hint,
  onDrop,
  children,
}: {
  disabled: boolean;
  hint: string;
  onDrop: (entries: WalkEntry[], loose: File[], all: File[]) => void;
  children: ReactNode;
}) {
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer.types).includes('Files');

  return (
    <div
      className={over ? 'drop-zone over' : 'drop-zone'}
      onDragEnter={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        depth.current++;
        setOver(true);
      }}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = disabled ? 'none' : 'copy';
      }}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setOver(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        depth.current = 0;
        setOver(false);
        if (disabled) return;
        const entries: WalkEntry[] = [];
        // Files without an entry (a DataTransfer built by a page or an extension) still count.
        const loose: File[] = [];
        for (const item of Array.from(e.dataTransfer.items)) {
          if (item.kind !== 'file') continue;
          const entry = item.webkitGetAsEntry();
          if (entry) entries.push(entry as unknown as WalkEntry);
          else {
            const f = item.getAsFile();
            if (f) loose.push(f);
          }
        }
        onDrop(entries, loose, Array.from(e.dataTransfer.files));
      }}
    >
      {children}
      {over && (
        <div className="drop-hint" aria-hidden="true">
          <div>{disabled ? 'Wait for the running import to finish' : hint}</div>
        </div>
      )}
    </div>
  );
}
