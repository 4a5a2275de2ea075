import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { EpochPoint } from '../../shared/contract';

/**
 * Live training curves: loss (left axis) and accuracy (right axis) per epoch, for the
 * training and the validation split. Redrawn in place as epochs arrive.
 */
export function Curves({ history, title }: { history: EpochPoint[]; title: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  const data = (): uPlot.AlignedData => [
    history.map((p) => p.epoch),
    history.map((p) => p.trainLoss),
    history.map((p) => p.valLoss),
    history.map((p) => p.trainAcc),
    history.map((p) => p.valAcc),
  ];

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(320, el.clientWidth || 560);
    plot.current = new uPlot(
      {
        width,
        height: 220,
        scales: { x: { time: false }, acc: { range: [0, 1] } },
        axes: [{ label: 'epoch' }, { label: 'loss' }, { scale: 'acc', side: 1, label: 'accuracy', grid: { show: false } }],
        series: [
          {},
          { label: 'train loss', stroke: '#3a6df0', width: 2 },
          { label: 'val loss', stroke: '#c8372d', width: 2 },
          { label: 'train acc', stroke: '#3a6df0', dash: [5, 4], scale: 'acc' },
          { label: 'val acc', stroke: '#c8372d', dash: [5, 4], scale: 'acc' },
        ],
      },
      data(),
      el,
    );
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(320, el.clientWidth), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // The chart is built once; data changes go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    plot.current?.setData(data());
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [history]);

  return (
    <figure className="curves" aria-label={title}>
      <div ref={box} className="curves-plot" data-testid="curves" data-epochs={history.length} />
    </figure>
  );
}
