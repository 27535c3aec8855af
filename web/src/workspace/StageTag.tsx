// A case's stage as a coloured tag, from calm to severe.
import { Tag } from "antd";
import { useI18n } from "../i18n/I18nProvider";
import { label } from "./labels";

/** Stage colours, from calm to severe. */
const STAGE_COLOURS: Record<string, string> = {
  pre_due: "default",
  early: "blue",
  middle: "gold",
  late: "orange",
  legal: "purple",
  asset_preservation: "magenta",
  agency: "cyan",
  written_off: "red",
};

export function StageTag({ stage }: { stage: string }) {
  const i18n = useI18n();
  return <Tag color={STAGE_COLOURS[stage] ?? "default"}>{label.stage(i18n, stage)}</Tag>;
}

