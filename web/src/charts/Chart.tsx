// A small ECharts wrapper. Only the chart types and components the dashboard draws are
// registered (echarts/core), which keeps the ECharts chunk at about a third of the full build.
import { useEffect, useRef } from "react";
import * as echarts from "echarts/core";
import { BarChart, HeatmapChart } from "echarts/charts";
import {
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import type { EChartsCoreOption } from "echarts/core";

echarts.use([
  BarChart,
  HeatmapChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

export type ChartOption = EChartsCoreOption;

export function Chart({ option, height, testId }: { option: ChartOption; height: number; testId?: string }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    const node = element.current;
    if (!node) {
      return;
    }
    const instance = echarts.init(node);
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(node);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    // A short entry animation: the numbers matter more than the motion.
    chart.current?.setOption({ animationDuration: 300, ...option }, { notMerge: true });
  }, [option]);

  return <div ref={element} data-testid={testId} data-chart="echarts" style={{ width: "100%", height }} />;
}
