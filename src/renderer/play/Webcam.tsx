import { useEffect, useRef, useState } from 'react';
import { messageOf } from '../lib/errors';

let shot = 1;

/**
 * The webcam: a live preview and a Capture button (or Space) that hands a still to Play as a
 * JPEG file, like a dropped picture. The camera is released when the panel closes.
 */
export function Webcam({ onCapture, onClose }: { onCapture: (file: File) => void; onClose: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let stream: MediaStream | null = null;
    let gone = false;
    navigator.mediaDevices
      ?.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false })
      .then((s) => {
        if (gone) return s.getTracks().forEach((t) => t.stop());
        stream = s;
        if (video.current) {
          video.current.srcObject = s;
          void video.current.play().then(() => setReady(true));
        }
      })
      .catch((err: unknown) => setError(`The camera could not start: ${messageOf(err)}. Allow camera access, or check that no other app holds it.`));
    if (!navigator.mediaDevices) setError('This window has no camera access (a browser needs http://127.0.0.1 or https).');
    return () => {
      gone = true;
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, []);

  const capture = () => {
    const v = video.current;
    if (!v || !ready) return;
    const canvas = document.createElement('canvas');
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    canvas.getContext('2d')!.drawImage(v, 0, 0);
    canvas.toBlob((blob) => blob && onCapture(new File([blob], `webcam-${String(shot++).padStart(3, '0')}.jpg`, { type: 'image/jpeg' })), 'image/jpeg', 0.9);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === ' ' && (e.target as HTMLElement | null)?.tagName !== 'BUTTON') {
        e.preventDefault();
        capture();
      } else if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  return (
    <div className="webcam" data-testid="webcam">
      {error ? (
        <p className="notice" role="alert">
          {error}
        </p>
      ) : (
        <video ref={video} muted playsInline aria-label="Camera preview" />
      )}
      <div className="webcam-actions">
        <button type="button" className="button primary" onClick={capture} disabled={!ready}>
          Capture <kbd>Space</kbd>
        </button>
        <button type="button" className="button ghost" onClick={onClose}>
          Close camera
        </button>
      </div>
    </div>
  );
}
