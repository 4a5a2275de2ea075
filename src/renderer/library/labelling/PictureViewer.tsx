import * as Dialog from '@radix-ui/react-dialog';
import { useEffect, useState, type KeyboardEvent } from 'react';
import type { Image } from '../../../shared/contract';
import { guessOf } from './prediction';

const ZOOMS = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4];

/**
 * Space in the grid: one picture at full size, its label and the model's guess. + and −
 * zoom (or the wheel), 0 fits it to the window, ← and → go to the neighbours, digits still
 * label it; Esc or Space closes and the grid keeps the focus on the picture shown last.
 */
export function PictureViewer(props: {
  images: Image[];
  openId: string | null;
  onMove: (id: string) => void;
  onClose: () => void;
  onKey: (e: KeyboardEvent) => boolean;
  /** Where focus goes after closing (the grid). */
  onClosed: () => void;
}) {
  const { images, openId, onMove, onClose, onKey, onClosed } = props;
  const [zoom, setZoom] = useState<number | null>(null); // null: fit to the window
  useEffect(() => setZoom(null), [openId]);
  const at = images.findIndex((i) => i.id === openId);
  const image = at >= 0 ? images[at] : null;
  const guess = image ? guessOf(image) : null;
  const step = (dir: 1 | -1) => {
    const current = zoom ?? 1;
    const next = dir > 0 ? ZOOMS.find((z) => z > current) : [...ZOOMS].reverse().find((z) => z < current);
    setZoom(next ?? current);
  };
  const keys = (e: KeyboardEvent) => {
    if (e.key === '+' || e.key === '=') step(1);
    else if (e.key === '-') step(-1);
    else if (e.key === '0' && (e.ctrlKey || e.metaKey)) setZoom(null);
    else if (e.key === 'ArrowRight' && at < images.length - 1) onMove(images[at + 1].id);
    else if (e.key === 'ArrowLeft' && at > 0) onMove(images[at - 1].id);
    else if (e.key === ' ') onClose();
    else if (!onKey(e)) return;
    e.preventDefault();
  };
  const src = image ? (window.loupe.imageUrl?.(image.id) ?? window.loupe.thumbnailUrl(image.id)) : '';
  return (
    <Dialog.Root open={image !== null} onOpenChange={(o) => !o && onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay viewer-overlay" />
        <Dialog.Content
          className="viewer"
          aria-describedby={undefined}
          onKeyDown={keys}
          onCloseAutoFocus={(e) => {
            e.preventDefault();
            onClosed();
          }}
        >
          <header className="viewer-head">
            <Dialog.Title className="viewer-title">{image?.fileName}</Dialog.Title>
            <span className="small">
              {image?.label ? `Label: ${image.label}` : 'Unlabelled'}
              {guess ? ` · Guess: ${guess.label} ${Math.round(guess.confidence * 100)} %` : ''}
              {image ? ` · ${image.width} × ${image.height}` : ''}
            </span>
            <span className="spacer" />
            <button type="button" className="button small" onClick={() => step(-1)} aria-label="Zoom out">
              −
            </button>
            <span className="small viewer-zoom" data-testid="viewer-zoom">
              {zoom === null ? 'Fit' : `${Math.round(zoom * 100)} %`}
            </span>
            <button type="button" className="button small" onClick={() => step(1)} aria-label="Zoom in">
              +
            </button>
            <button type="button" className="button small" onClick={() => setZoom(null)}>
              Fit
            </button>
            <Dialog.Close className="button ghost small" aria-label="Close">
              ✕
            </Dialog.Close>
          </header>
          <div className="viewer-stage" onWheel={(e) => step(e.deltaY < 0 ? 1 : -1)}>
            {image && (
              <img
                src={src}
                alt={image.fileName}
                className={zoom === null ? 'fit' : undefined}
                style={zoom === null ? undefined : { width: image.width * zoom, height: image.height * zoom }}
                draggable={false}
              />
            )}
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
