import type { PageId } from './pages';
import { pages } from './pages';

// Small line icons drawn inline: no icon font, no extra request, and they take the text colour.
const icons: Record<PageId, string> = {
  library: 'M4 5h7v6H4zM13 5h7v6h-7zM4 13h7v6H4zM13 13h7v6h-7z',
  train: 'M4 18l5-6 4 3 7-9M15 6h5v5',
  play: 'M8 5l11 7-11 7z',
  scripts: 'M9 7l-5 5 5 5M15 7l5 5-5 5',
  tasks: 'M5 6h14M5 12h14M5 18h9',
  settings: 'M12 8a4 4 0 100 8 4 4 0 000-8zM12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M4.9 19.1L7 17M17 7l2.1-2.1',
};

export function Sidebar({ current, onGo }: { current: PageId; onGo: (p: PageId) => void }) {
  return (
    <nav className="sidebar" aria-label="Pages">
      <div className="brand" aria-hidden="true">
        <svg viewBox="0 0 24 24" width="20" height="20">
          <circle cx="10" cy="10" r="6" fill="none" stroke="currentColor" strokeWidth="2" />
          <path d="M14.5 14.5L20 20" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
        </svg>
        <span>Loupe</span>
      </div>
      <ul>
        {pages.map((p, i) => (
          <li key={p.id}>
            <button
              type="button"
              className="nav-item"
              aria-current={p.id === current ? 'page' : undefined}
              onClick={() => onGo(p.id)}
              title={`${p.title} (Alt+${i + 1})`}
            >
              <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                <path d={icons[p.id]} fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinejoin="round" strokeLinecap="round" />
              </svg>
              <span>{p.title}</span>
            </button>
          </li>
        ))}
      </ul>
      <p className="sidebar-hint">
        Press <kbd>?</kbd> for shortcuts
      </p>
    </nav>
  );
}
