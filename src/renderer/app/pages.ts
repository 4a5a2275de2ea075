/** The app's pages, in sidebar order; Alt+1…6 follows this order. */
export type PageId = 'library' | 'train' | 'play' | 'scripts' | 'tasks' | 'settings';

export interface PageInfo {
  id: PageId;
  title: string;
  /** The issue that brings the page, for pages not built yet. */
  comingIn?: number;
  blurb: string;
}

export const pages: PageInfo[] = [
  { id: 'library', title: 'Library', blurb: 'Datasets, pictures and labels' },
  { id: 'train', title: 'Train', blurb: 'Loupe learns while you label, and shows how well it does per label.' },
  { id: 'play', title: 'Play', blurb: 'Drop new pictures on the model and see what it thinks.' },
  { id: 'scripts', title: 'Scripts', blurb: 'Automate the rest in Loupe’s own small language.' },
  { id: 'tasks', title: 'Tasks', blurb: 'Every long job: progress, retries, schedules.' },
  { id: 'settings', title: 'Settings', blurb: 'The local API and where Loupe keeps its data' },
];
