import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartProps {
  /** Built once per chart shape; a new object rebuilds the chart. */
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height: number;
  /** What the chart shows, for screen readers (the figures are also in words next to it). */
  label: string;
}

/** A uPlot chart that fills its container's width and follows it when it resizes. */
export function Chart({ options, data, height, label }: ChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const created = new uPlot({ ...options, width: Math.max(200, element.clientWidth), height }, data, element);
    plot.current = created;
    const observer = new ResizeObserver(() => created.setSize({ width: Math.max(200, element.clientWidth), height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      created.destroy();
      plot.current = undefined;
    };
    // The data is pushed by the effect below; only a new shape rebuilds.
  }, [options, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div class="chart" ref={container} role="img" aria-label={label} />;
}

/** Bars for counts per time step: each bar starts at its step's start time. */
export const bars = () => uPlot.paths.bars!({ size: [0.8, 40], align: 1 });
